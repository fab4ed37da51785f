"""Personal data as people without the pii permission see it."""

from __future__ import annotations

import pytest

from tickets.masking import mask_email, mask_name, mask_nickname, mask_phone, mask_text


@pytest.mark.parametrize(
    ("name", "gender", "masked"),
    [
        ("张三", "male", "张先生"),
        ("李四", "female", "李女士"),
        ("欧阳娜娜", "female", "欧阳女士"),
        ("司马光", "male", "司马先生"),
        ("王五", "unknown", "王**"),
        ("John Smith", "male", "Mr S."),
        ("", "male", ""),
    ],
)
def test_names(name: str, gender: str, masked: str) -> None:
    assert mask_name(name, gender) == masked


def test_contacts() -> None:
    assert mask_phone("138-1234-5678") == "*******5678"
    assert mask_phone("+86 138 1234 5678") == "*********5678"
    assert mask_phone("123") == "***"
    assert mask_email("zhangsan@example.com") == "zh***@example.com"
    assert mask_email("ab@x.cn") == "a***@x.cn"
    assert mask_nickname("鲜达受害者") == "鲜****"
    assert mask_phone(None) is None and mask_email(None) is None


def test_free_text() -> None:
    text = "请联系我 13812345678 或 zhangsan@example.com，订单号 202611230001"
    assert mask_text(text) == "请联系我 *******5678 或 zh***@example.com，订单号 202611230001"
