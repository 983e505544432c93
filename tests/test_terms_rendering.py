"""Terms text: staff's Markdown as safe HTML that keeps what terms need."""

import xml.etree.ElementTree as ET

import pytest

from bookings.demo.data import TEXTS
from terms.rendering import render_markdown


def tree(text: str) -> ET.Element:
    """The rendered fragment as a tree (it is well-formed for these texts)."""
    return ET.fromstring(f"<div>{render_markdown(text)}</div>")


def one(root: ET.Element, path: str) -> ET.Element:
    found = root.find(path)
    assert found is not None, path
    return found


def text_of(element: ET.Element) -> str:
    """An element's own text, without its nested lists."""
    return (element.text or "").strip()


def test_a_list_nested_under_an_item_by_its_text_column_renders_as_a_nested_list():
    root = tree(
        "1. 次のことをお知らせください。\n   - 氏名\n   - 求職番号\n2. 電話でも申し込めます。\n"
    )
    (ordered,) = root.findall("ol")
    items = ordered.findall("li")
    assert [text_of(li) for li in items] == [
        "次のことをお知らせください。",
        "電話でも申し込めます。",
    ]
    assert [li.text for li in items[0].findall("ul/li")] == ["氏名", "求職番号"]


def test_two_levels_of_two_space_bullets_nest_too():
    root = tree("- a\n  - b\n    - c\n- d\n")
    assert [text_of(li) for li in root.findall("ul/li")] == ["a", "d"]
    assert [li.text for li in root.findall("ul/li/ul/li/ul/li")] == ["c"]


def test_a_paragraph_after_a_list_is_not_pulled_into_it():
    root = tree("1. 一つ目\n   - 詳しく\n\nこの場合はお知らせします。\n")
    assert [child.tag for child in root] == ["ol", "p"]


@pytest.mark.parametrize(("article", "first_sub_item"), [("第6条", "氏名"), ("第14条", "変更が")])
def test_the_demo_terms_nested_lists_are_lists(article, first_sub_item):
    root = tree((TEXTS / "tomakomai-job-consultation-v2.md").read_text(encoding="utf-8"))
    children = list(root)
    heading = next(i for i, c in enumerate(children) if (c.text or "").startswith(article))
    ordered = children[heading + 1]
    assert ordered.tag == "ol"
    nested = ordered.findall("li/ul/li")
    assert len(nested) >= 2
    assert (nested[0].text or "").startswith(first_sub_item)


def test_emphasis_headings_and_tables_are_kept():
    root = tree("## 第1条\n\n*注意* と **重要**\n\n| 時間 | 内容 |\n|---|---|\n| 10時 | 相談 |\n")
    assert one(root, "h2").text == "第1条"
    assert one(root, "p/em").text == "注意"
    assert one(root, "p/strong").text == "重要"
    assert [th.text for th in root.findall("table/thead/tr/th")] == ["時間", "内容"]
    assert [td.text for td in root.findall("table/tbody/tr/td")] == ["10時", "相談"]


def test_only_links_to_https_pages_keep_their_address():
    root = tree(
        "[a](https://www.mhlw.go.jp/) [b](http://example.jp/) [c](javascript:alert(1)) "
        "[d](/relative/) [e](data:text/html,x) <a href='mailto:x@example.jp'>f</a>"
    )
    links = {a.text: a.get("href") for a in root.iter("a")}
    assert links == {
        "a": "https://www.mhlw.go.jp/",
        "b": None,
        "c": None,
        "d": None,
        "e": None,
        "f": None,
    }
    assert one(root, ".//a[@href]").get("rel") == "noopener noreferrer"


def test_scripts_styles_images_and_attributes_are_dropped():
    html = str(
        render_markdown(
            '<script>alert(1)</script>\n\n<p onclick="x()" style="color:red">本文</p>\n\n'
            '<img src="https://example.jp/x.png">\n'
        )
    )
    assert "<script" not in html and "onclick" not in html and "style" not in html
    assert "<img" not in html
    assert "本文" in html
