"""Taobao/Tmall (淘宝/天猫): the newest reviews of the operator's own items."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar, Literal

from pydantic import Field

from crawlers.sources.signed import SignedSource


class TaobaoSource(SignedSource):
    """Reviews of the listed items (``item_ids``: the ``id=`` of item.taobao.com or detail.tmall.com pages),
    newest first, through mtop ``mtop.wdetail.getitemrates``.

    Needs a logged-in m.taobao.com session (the ``_m_h5_tk`` token cookie and ``cookie2``) and a signing
    service for mtop's ``sign``. Every review of an item is about its brand: set ``brand:``.
    """

    spider: ClassVar[str] = "crawlers.spiders.taobao.TaobaoSpider"
    default_platform: ClassVar[str] = "taobao"
    default_base_url: ClassVar[str] = "https://h5api.m.taobao.com"
    min_delay: ClassVar[float] = 3.0
    login_cookies: ClassVar[tuple[str, ...]] = ("_m_h5_tk", "cookie2")
    sign_cookies: ClassVar[tuple[str, ...]] = ("_m_h5_tk",)

    type: Literal["taobao"]
    refresh: timedelta | None = Field(default=None, description="Reviews carry no counts to refresh.")
    item_ids: list[str] = Field(min_length=1, description="The items whose reviews are read.")
    app_key: str = Field(default="12574478", description="The mtop appKey of the h5 site (the public one).")
