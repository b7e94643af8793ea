"""The report page export (``spc.render.pages.notebook_html``) writes the page nbconvert's
HTMLExporter writes, without its BeautifulSoup pass (issue 14: a fifth of a page's time outside
the kernel): the same page once both are read by an HTML parser."""

from __future__ import annotations

import base64

import nbformat
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from spc.render.pages import HIDDEN_TAG, _exporter, notebook_html

PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
    )
).decode()


def _notebook() -> nbformat.NotebookNode:
    chart = '<svg xmlns:xlink="x" width="10pt"><g><path d="M 0 0 L 1 1"/></g></svg>'
    return new_notebook(
        cells=[
            new_markdown_cell("# How to run\n`papermill ...`", metadata={"tags": [HIDDEN_TAG]}),
            new_code_cell(
                "show()",
                outputs=[
                    new_output(
                        "display_data",
                        data={"text/html": f"<h2>Falls</h2><figure>{chart}</figure><p>ok</p>"},
                    ),
                    new_output(
                        "display_data", data={"text/html": '<img src="data:,x"><img alt="a">'}
                    ),
                    new_output("display_data", data={"image/png": PNG, "text/plain": "<fig>"}),
                    new_output("stream", name="stdout", text="printed & <kept>\n"),
                ],
            ),
            new_markdown_cell("Some *words* & a [link](https://example.org)."),
        ],
        metadata={"language_info": {"name": "python", "pygments_lexer": "ipython3"}},
    )


def _nbconvert_page(nb: nbformat.NotebookNode, title: str) -> str:
    """The page nbconvert's own HTMLExporter writes with the report's configuration."""
    from nbconvert import HTMLExporter

    ours = _exporter()
    theirs = HTMLExporter(config=ours.config, template_name="safety_report",
                          extra_template_basedirs=ours.extra_template_basedirs)  # fmt: skip
    for name in ("exclude_input", "exclude_input_prompt", "exclude_output_prompt", "embed_images"):
        setattr(theirs, name, getattr(ours, name))
    return theirs.from_notebook_node(nb, resources={"metadata": {"name": title}})[0]


def _parsed(page: str) -> str:
    return str(BeautifulSoup(page, features="html.parser"))


def test_the_page_is_the_one_nbconvert_writes() -> None:
    nb = _notebook()
    page = notebook_html(nb, "Team <A>")
    assert _parsed(page) == _parsed(_nbconvert_page(nb, "Team <A>"))
    assert page.count('tabindex="0"') == 5  # outputs and the shown markdown, as nbconvert
    assert page.count("No description has been provided for this image") == 2
    assert '<img alt="a">' in page and "papermill" not in page
    assert '<path d="M 0 0 L 1 1"/>' in page  # the chart's SVG exactly as the output held it
