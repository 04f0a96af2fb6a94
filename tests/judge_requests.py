"""Judge requests as pinned in golden files."""

from __future__ import annotations

import json


def without_image_data(body: dict) -> dict:
    """The request body with each image's data URL (checked elsewhere) cut to its MIME type."""
    body = json.loads(json.dumps(body))
    for part in body["messages"][-1]["content"]:
        if part["type"] == "image_url":
            part["image_url"]["url"] = part["image_url"]["url"].split(";", 1)[0]
    return body
