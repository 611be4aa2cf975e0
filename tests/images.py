"""Real, tiny pictures for upload tests, made in memory (no randomness), and what to check."""

from io import BytesIO

from PIL import ExifTags, Image

# Where the phone was: 倪家桥 in 武侯区, as a camera writes it (degrees, minutes, seconds).
GPS_LATITUDE = (30.0, 38.0, 24.5)
GPS_LONGITUDE = (104.0, 3.0, 36.2)


def _picture(width: int, height: int, mode: str = "RGB") -> Image.Image:
    picture = Image.new(mode, (width, height), "#c8783c")
    picture.paste("#283c64", (0, 0, width // 2, height))
    return picture


def camera_exif(*, orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "ShequPhone"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = GPS_LATITUDE
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = GPS_LONGITUDE
    return exif


def jpeg(width: int = 64, height: int = 48, *, gps: bool = False, orientation: int = 1) -> bytes:
    buffer = BytesIO()
    options = {"exif": camera_exif(orientation=orientation)} if gps else {}
    _picture(width, height).save(buffer, "JPEG", quality=80, **options)
    return buffer.getvalue()


def png(width: int = 64, height: int = 48, *, gps: bool = False) -> bytes:
    buffer = BytesIO()
    options = {"exif": camera_exif()} if gps else {}
    _picture(width, height, "RGBA").save(buffer, "PNG", **options)
    return buffer.getvalue()


def webp(width: int = 64, height: int = 48, *, gps: bool = False) -> bytes:
    buffer = BytesIO()
    options = {"exif": camera_exif()} if gps else {}
    _picture(width, height).save(buffer, "WEBP", **options)
    return buffer.getvalue()


def metadata_of(data: bytes) -> dict[str, object]:
    """What a viewer could read from a stored picture besides its pixels, and its size."""
    with Image.open(BytesIO(data)) as picture:
        exif = picture.getexif()
        return {
            "format": picture.format,
            "size": picture.size,
            "exif": dict(exif),
            "gps": dict(exif.get_ifd(ExifTags.IFD.GPSInfo)),
            "metadata": sorted({"exif", "xmp", "XML:com.adobe.xmp", "comment"} & set(picture.info)),
        }
