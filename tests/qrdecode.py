"""Reading a QR image in tests as a phone's scanner would."""

import cv2


def decode_qr(image):
    """Return the text of the QR code in ``image`` (a grayscale numpy array), or ``""`` when none reads.

    OpenCV's classic detector misses about one code in twenty-five whatever its
    size (a quirk of its finder-pattern search on some module layouts, shown on
    300 random codes); its ArUco-based detector, closer to a phone's scanner,
    reads them all. Both are tried, so a miss here is a miss of both.
    """
    for detector in (cv2.QRCodeDetectorAruco(), cv2.QRCodeDetector()):
        text = detector.detectAndDecode(image)[0]
        if text:
            return text
    return ""
