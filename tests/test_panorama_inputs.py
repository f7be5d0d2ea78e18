"""Bad inputs get a clear PanoramaError code; odd pixel modes are converted by rule."""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from panorama import PanoramaError, build
from panorama.decode import Header, _to_bgr, decode, jpeg_is_complete, probe

W, H = 2048, 1024


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(width: int, height: int, depth: int, colour_type: int, raw_rows: bytes) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(raw_rows, 1))
        + png_chunk(b"IEND", b"")
    )


def rgb48_png(width: int, height: int, rgb16: tuple[int, int, int]) -> bytes:
    row = b"\x00" + struct.pack(">HHH", *rgb16) * width
    return png_bytes(width, height, 16, 2, row * height)


def save(tmp_path: Path, name: str, img: Image.Image, **params: object) -> Path:
    path = tmp_path / name
    img.save(path, **params)
    return path


def error_code(source: Path | list[Path], out: Path, **options: object) -> str:
    with pytest.raises(PanoramaError) as info:
        build(source, out, **options)  # type: ignore[arg-type]
    assert info.value.message and info.value.code in str(info.value)
    return info.value.code


def centre_pixel(result_path: Path) -> np.ndarray:
    with Image.open(result_path / "preview.jpg") as img:
        return np.asarray(img.convert("RGB"), dtype=int)[256, 512]


def test_missing_file_and_not_an_image(tmp_path: Path) -> None:
    assert error_code(tmp_path / "nope.jpg", tmp_path / "out") == "not_found"
    text = tmp_path / "notes.jpg"
    text.write_text("this is not a picture\n" * 100)
    assert error_code(text, tmp_path / "out") == "not_an_image"
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_unsupported_format(tmp_path: Path) -> None:
    gif = save(tmp_path, "pano.gif", Image.new("P", (W, H)))
    assert error_code(gif, tmp_path / "out") == "unsupported_format"


def test_truncated_jpeg_and_png(tmp_path: Path) -> None:
    noise = np.random.default_rng(0).integers(0, 255, (H, W, 3), dtype=np.uint8)
    for fmt, name in (("JPEG", "cut.jpg"), ("PNG", "cut.png")):
        buf = io.BytesIO()
        Image.fromarray(noise).save(buf, fmt)
        data = buf.getvalue()
        path = tmp_path / name
        path.write_bytes(data[: len(data) * 2 // 3])
        assert error_code(path, tmp_path / "out") == "truncated", fmt


def test_jpeg_completeness_check() -> None:
    data = Path(__file__).with_name("data").joinpath("pannellum-examplepano.jpg").read_bytes()
    assert jpeg_is_complete(data)  # progressive JPEG: many scans
    assert jpeg_is_complete(data + b"trailing bytes after EOI")
    assert not jpeg_is_complete(data[:-2])
    assert not jpeg_is_complete(data[: len(data) // 3])
    assert not jpeg_is_complete(b"\xff\xd8\xff")


def test_wrong_aspect_and_too_small(tmp_path: Path) -> None:
    square = save(tmp_path, "square.jpg", Image.new("RGB", (W, W)))
    assert error_code(square, tmp_path / "out") == "bad_aspect"
    small = save(tmp_path, "small.jpg", Image.new("RGB", (1024, 512)))
    assert error_code(small, tmp_path / "out") == "too_small"


@pytest.mark.parametrize(("width", "height"), [(100_000, 50_000), (18_000, 9_000)])
def test_decompression_bomb_header_is_rejected_before_decoding(
    tmp_path: Path, width: int, height: int
) -> None:
    # A tiny file whose PNG header claims a huge image (the IDAT would never suffice).
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_bytes(width, height, 8, 2, b"\x00" * 64))
    assert bomb.stat().st_size < 1000
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        assert error_code(bomb, tmp_path / "out") == "too_large"


def test_bad_options(tmp_path: Path) -> None:
    src = save(tmp_path, "ok.jpg", Image.new("RGB", (W, H)))
    assert error_code(src, tmp_path / "o", tile_size=300) == "bad_option"
    assert error_code(src, tmp_path / "o", quality=0) == "bad_option"
    assert error_code(src, tmp_path / "o", max_face=256) == "bad_option"
    assert error_code(src, tmp_path / "o", tile_size=1024) == "too_small"


def test_cmyk_jpeg_is_converted(tmp_path: Path) -> None:
    cmyk = Image.new("CMYK", (W, H), (0, 255, 255, 0))  # pure red ink mix
    result = build(save(tmp_path, "cmyk.jpg", cmyk, quality=95), tmp_path / "out")
    r, g, b = centre_pixel(result.path)
    assert r > 230 and g < 30 and b < 30


def test_16_bit_grey_png_keeps_the_high_byte(tmp_path: Path) -> None:
    grey16 = Image.fromarray(np.full((H, W), 0xA0FF, np.uint16))
    path = save(tmp_path, "grey16.png", grey16)
    assert Image.open(path).mode.startswith("I")
    result = build(path, tmp_path / "out")
    assert np.abs(centre_pixel(result.path) - 0xA0).max() <= 2


def test_48_bit_rgb_png_keeps_the_high_byte(tmp_path: Path) -> None:
    path = tmp_path / "rgb48.png"
    path.write_bytes(rgb48_png(W, H, (0x12FF, 0x8000, 0xF001)))
    result = build(path, tmp_path / "out")
    assert np.abs(centre_pixel(result.path) - (0x12, 0x80, 0xF0)).max() <= 3


@pytest.mark.parametrize("mode", ["RGBA", "LA", "PA"])
def test_alpha_is_composited_onto_black(mode: str) -> None:
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[..., :3] = 200
    rgba[0, :, 3] = 255  # opaque row
    rgba[1, :, 3] = 0  # transparent row
    rgba[2, :, 3] = 128  # half
    img = Image.fromarray(rgba, "RGBA")
    img = img.convert(mode)
    bgr = _to_bgr(img, "t")
    assert bgr.shape == (4, 4, 3)
    assert bgr[0, 0].tolist() == [200, 200, 200]
    assert bgr[1, 0].tolist() == [0, 0, 0]
    assert abs(int(bgr[2, 0, 0]) - 100) <= 1


def test_palette_with_transparency_and_unsupported_mode() -> None:
    pal = Image.new("P", (2, 1))
    pal.putpalette([255, 0, 0, 0, 255, 0])
    pal.putpixel((1, 0), 1)
    pal.info["transparency"] = 1
    assert _to_bgr(pal, "t").tolist() == [[[0, 0, 255], [0, 0, 0]]]  # BGR red, then black
    with pytest.raises(PanoramaError) as info:
        _to_bgr(Image.new("F", (2, 2)), "float")
    assert info.value.code == "unsupported_mode"


def test_decode_returns_bgr() -> None:
    img = Image.new("RGB", (W, H), (10, 20, 30))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=100)
    header: Header = probe(buf.getvalue())
    assert (header.format, header.width, header.height) == ("JPEG", W, H)
    assert np.abs(decode(header)[5, 5].astype(int) - (30, 20, 10)).max() <= 2


def test_face_inputs_are_checked(tmp_path: Path) -> None:
    faces = tmp_path / "faces"
    faces.mkdir()
    for name in ("left", "front", "right", "back", "top"):
        Image.new("RGB", (512, 512)).save(faces / f"{name}.jpg")
    assert error_code(faces, tmp_path / "out") == "bad_faces"  # bottom missing
    Image.new("RGB", (512, 400)).save(faces / "bottom.jpg")
    assert error_code(faces, tmp_path / "out") == "bad_aspect"
    Image.new("RGB", (1024, 1024)).save(faces / "bottom.jpg")
    assert error_code(faces, tmp_path / "out") == "bad_faces"  # sizes differ
    Image.new("RGB", (256, 256)).save(faces / "bottom.jpg")
    assert error_code(faces, tmp_path / "out") == "too_small"
    paths = sorted(faces.iterdir())
    assert error_code(paths[:5], tmp_path / "out") == "bad_faces"
    renamed = [*paths[:5], tmp_path / "sideways.jpg"]
    Image.new("RGB", (512, 512)).save(renamed[-1])
    assert error_code(renamed, tmp_path / "out") == "bad_faces"
