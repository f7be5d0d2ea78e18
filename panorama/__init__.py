"""360 degree panorama pipeline: equirectangular (or six faces) -> PSV cubemap tiles.

Self-contained: needs Pillow, numpy and OpenCV, nothing from the portal.
"""

from panorama.errors import PanoramaError
from panorama.geometry import FACES
from panorama.manifest import read_manifest
from panorama.pipeline import BuildResult, build
from panorama.project import clear_cache

__all__ = ["FACES", "BuildResult", "PanoramaError", "build", "clear_cache", "read_manifest"]
