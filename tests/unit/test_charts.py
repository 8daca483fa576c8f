import io
from decimal import Decimal

import pytest
from PIL import Image

from billify.domain.charts import bar_chart


def test_bar_chart_is_a_png_at_twice_the_display_size() -> None:
    png = bar_chart(["1", "", "3"], [Decimal("12.5"), Decimal(0), Decimal("40")], unit="EUR")
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (1200, 480)
    assert len(png) < 30_000


def test_bar_chart_handles_nothing_spent_and_huge_amounts() -> None:
    for values in ([Decimal(0)] * 30, [Decimal("9876543.21")], []):
        labels = [""] * len(values)
        assert bar_chart(labels, values, title="Spend").startswith(b"\x89PNG")


def test_bar_chart_needs_one_label_per_value() -> None:
    with pytest.raises(ValueError):
        bar_chart(["1"], [Decimal(1), Decimal(2)])
