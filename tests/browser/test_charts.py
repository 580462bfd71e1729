"""The chart lessons in a real browser: the kit's charts (plotly JSON built without plotly, kit.charts) are
drawn by plotly.js in JupyterLab, with their text alternative beside them."""

from playwright.sync_api import expect

from . import harness

LESSON = harness.ROOT / "lessons" / "03-check-the-claims.ipynb"


def test_lesson_03_draws_its_chart(jupyter, page, page_errors, tmp_path):
    server = jupyter("lab", LESSON, {"KIT_WORK_DIR": str(tmp_path / "work")})
    harness.open_notebook(page, server, LESSON.name)
    harness.run_all(page)
    chart = page.locator(".js-plotly-plot").first
    expect(chart).to_be_attached(timeout=60_000)
    chart.scroll_into_view_if_needed()
    expect(chart.locator(".main-svg").first).to_be_visible()
    assert page.locator(".js-plotly-plot").count() >= 1
    assert harness.unexpected_page_errors(page_errors) == []
