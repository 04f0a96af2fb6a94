"""The page's file, without a browser: data that cannot leave its script element, a policy that lets
only the page's own script and style run, assets that never write markup or name a URL, and images
scaled as documented."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
from importlib.resources import files

import pytest
from PIL import Image

from vlsbench_task import cli
from vlsbench_task.base.data import file_tag
from vlsbench_task.view.images import ImageSizes, encode
from vlsbench_task.view.page import render, script_json

HOSTILE = {
    "answer": "</script><script>alert(1)</script><!-- & https://x.example/a.png \u2028 \u2029 {{script}}",
    "nested": ["<img src=x onerror=alert(1)>", {"k</script>": "javascript://x"}],
}


def test_script_json_round_trips_and_holds_nothing_markup_or_a_url_could_use():
    text = script_json(HOSTILE)
    assert json.loads(text) == HOSTILE
    for needle in ("<", ">", "&", "://", "\u2028", "\u2029"):
        assert needle not in text, needle


def test_script_json_writes_rates_over_no_items_as_null():
    assert json.loads(script_json({"a": float("nan"), "b": [float("inf"), 1.5]})) == {
        "a": None,
        "b": [None, 1.5],
    }


def _inline(html: str, tag: str) -> str:
    (found,) = re.findall(rf"<{tag}>(.*?)</{tag}>", html, re.DOTALL)
    return found


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_the_policy_allows_only_the_pages_own_script_and_style_and_no_loads():
    html = render({"items": [HOSTILE]}, {}, "A <title> & more")
    (policy,) = re.findall(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html)
    assert f"script-src {_hash(_inline(html, 'script'))};" in policy
    assert f"style-src {_hash(_inline(html, 'style'))};" in policy
    assert policy.startswith("default-src 'none'; img-src data:;") and "unsafe" not in policy
    assert "<title>A &lt;title&gt; &amp; more</title>" in html
    assert html.count('"use strict"') == 1  # "{{script}}" in the data was not replaced
    assert re.findall(r"\{\{\w+\}\}", html) == ["{{script}}"]  # only the one inside the data
    assert json.loads(re.search(r'id="view-data">(.*?)</script>', html, re.DOTALL).group(1))["items"] == [
        HOSTILE
    ]


def test_the_assets_never_write_markup_nor_name_a_url():
    assets = {
        name: (files("vlsbench_task.view") / name).read_text()
        for name in ("page.js", "page.css", "page.html", "page_audit.js", "page_audit.css")
    }
    scripts, styles = ("page.js", "page_audit.js"), ("page.css", "page_audit.css")
    for sink in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "Function(",
        "srcdoc",
    ):
        for name in scripts:
            assert sink not in assets[name], (name, sink)
    for name, text in assets.items():
        assert "://" not in text and "url(" not in text and "@import" not in text, name
    for name in scripts + styles:
        assert "</" not in assets[name], name  # cannot close their elements


def _decoded(data: str) -> Image.Image:
    image = Image.open(io.BytesIO(base64.b64decode(data)))
    assert image.format == "JPEG"
    return image


def test_images_are_scaled_jpegs_never_enlarged(tmp_path):
    big, small, broken = tmp_path / "big.png", tmp_path / "small.png", tmp_path / "broken.png"
    Image.new("RGB", (1000, 600), (20, 120, 200)).save(big)
    Image.new("RGB", (50, 40), (200, 20, 20)).save(small)
    broken.write_bytes(b"not an image")

    (data, size), problem = encode(big, ImageSizes())
    assert problem is None and size == [1000, 600] and _decoded(data).size == (288, 173)
    (data, _), _ = encode(big, ImageSizes(side=64, quality=20))
    assert _decoded(data).size == (64, 38)
    (data, size), _ = encode(small, ImageSizes())
    assert _decoded(data).size == (50, 40) and size == [50, 40]
    found, problem = encode(broken, ImageSizes())
    assert found is None and problem.startswith("image unreadable: ")


def test_a_file_has_one_key_whichever_run_names_it(tmp_path):
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    for path in (first, second):
        Image.new("RGB", (8, 8)).save(path)
    assert file_tag(first, 20) == file_tag(tmp_path / "." / "a.png", 20) != file_tag(second, 20)


@pytest.mark.parametrize("bad", [["--quality", "0"], ["--quality", "96"], ["--image-side", "8"]])
def test_bad_image_settings_are_refused(bad, tmp_path, capsys):
    assert cli.main(["view", str(tmp_path), "--out", str(tmp_path / "v.html"), *bad]) == 2
    assert "need --quality" in capsys.readouterr().err
