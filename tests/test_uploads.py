"""Hostile uploads meet a refusal (issue 11, item 1): content, not only the name, decides."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from portal.storage import reencode_image
from portal.validators import document_upload_validator, image_upload_validator

HTML = b"<!doctype html><html><body><script>fetch('/admin/')</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'


def png(width=40, height=30, color=(200, 30, 30)):
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def jpeg(width=40, height=30, exif=None):
    out = io.BytesIO()
    image = Image.new("RGB", (width, height), (30, 120, 200))
    image.save(out, "JPEG", **({"exif": exif} if exif else {}))
    return out.getvalue()


def office_zip(main_part):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(main_part, "<document/>")
    return out.getvalue()


def refused(validator, name, data):
    with pytest.raises(ValidationError) as error:
        validator(SimpleUploadedFile(name, data))
    return " ".join(error.value.messages)


PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("办事表.pdf", PDF),
        ("申请表.doc", OLE2),
        ("申请表.xls", OLE2),
        ("申请表.docx", office_zip("word/document.xml")),
        ("申请表.xlsx", office_zip("xl/workbook.xml")),
        ("样表.jpg", jpeg()),
        ("样表.JPEG", jpeg()),
        ("样表.png", png()),
    ],
)
def test_real_forms_and_samples_are_accepted(name, data):
    document_upload_validator(SimpleUploadedFile(name, data))


@pytest.mark.parametrize(
    ("name", "data"),
    [("表格.html", HTML), ("表格.htm", HTML), ("样表.svg", SVG), ("样表.svgz", SVG), ("a.xhtml", HTML), ("x", PDF)],
)
def test_html_and_svg_are_refused_by_name(name, data):
    message = refused(document_upload_validator, name, data)
    assert "只接受" in message and ".html" in message and ".svg" in message


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("表格.pdf", HTML),  # a page renamed to .pdf
        ("样表.png", SVG),  # an SVG renamed to .png
        ("表格.docx", b"PK\x03\x04not really a zip"),
        ("表格.xlsx", office_zip("word/document.xml")),  # a Word file named .xlsx
        ("表格.doc", PDF),
        ("样表.jpg", png()),
    ],
)
def test_a_file_whose_content_is_not_what_its_name_says_is_refused(name, data):
    assert "内容" in refused(document_upload_validator, name, data)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("表格.pdf", b"%PDF-1.4\n<html><script>alert(1)</script></html>"),
        ("样表.png", png()[:33] + b"<svg onload=alert(1)>"),
        ("样表.jpg", b"\xff\xd8\xff\xe0<!DOCTYPE html><script>alert(1)</script>"),
    ],
)
def test_a_polyglot_with_a_page_in_its_first_bytes_is_refused(name, data):
    assert "网页代码" in refused(document_upload_validator, name, data)


def test_a_word_file_with_macros_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
        archive.writestr("word/vbaProject.bin", b"\x00")
    assert "宏" in refused(document_upload_validator, "表格.docx", out.getvalue())


def test_photos_and_floor_plans_take_only_jpeg_and_png():
    image_upload_validator(SimpleUploadedFile("照片.jpg", jpeg()))
    image_upload_validator(SimpleUploadedFile("平面图.png", png()))
    assert "只接受" in refused(image_upload_validator, "平面图.pdf", PDF)
    assert "只接受" in refused(image_upload_validator, "平面图.svg", SVG)


def test_a_100_megapixel_image_is_refused_from_its_header_before_decoding():
    # 12000×12000 (144 MP) of one colour: 17 KB on disk, 432 MB when decoded.
    out = io.BytesIO()
    Image.new("1", (12000, 12000), 1).save(out, "PNG", optimize=True)
    data = out.getvalue()
    assert len(data) < 100_000
    message = refused(image_upload_validator, "平面图.png", data)
    assert "12000×12000" in message and "百万像素" in message


def test_a_broken_image_is_refused_in_chinese():
    assert "已损坏" in refused(image_upload_validator, "照片.png", png()[:60])


def test_a_camera_photo_is_re_encoded_to_a_phone_size_without_its_gps(settings):
    settings.PORTAL_IMAGE_MAX_SIDE = 2000
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    exif[0x8825] = {1: "N", 2: (37.0, 30.0, 0.0)}  # GPS
    data = jpeg(4000, 3000, exif=exif.tobytes())
    smaller = reencode_image(data, ".jpg")
    with Image.open(io.BytesIO(smaller)) as image:
        assert image.size == (2000, 1500)
        assert image.format == "JPEG"
        assert not image.getexif()


def test_a_large_floor_plan_png_stays_png_and_is_bounded(settings):
    settings.PORTAL_IMAGE_MAX_SIDE = 2000
    with Image.open(io.BytesIO(reencode_image(png(6000, 3000), ".png"))) as image:
        assert image.format == "PNG" and image.size == (2000, 1000)


@pytest.mark.django_db
def test_the_saved_upload_is_the_re_encoded_image(township, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PORTAL_IMAGE_MAX_SIDE = 800
    township.floor_plan = SimpleUploadedFile("plan.png", png(3000, 1500))
    township.full_clean()
    township.save()
    with Image.open(township.floor_plan.path) as image:
        assert image.size == (800, 400)
