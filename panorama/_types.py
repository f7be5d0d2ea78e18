"""Shared array type: 8-bit images in OpenCV's BGR channel order."""

from __future__ import annotations

from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

Bgr = NDArray[np.uint8]


def u8(image: Any) -> Bgr:
    """Type-narrow an OpenCV result (typed as a generic matrix) to a uint8 image."""
    return cast(Bgr, image)
