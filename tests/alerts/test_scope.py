"""Rules scoped by a query in the search language or by a shared saved search: checked when the config loads,
applied in every store call of every rule type, and a missing saved search pauses only its own rule."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from alerts.backtest import Point, SeriesStore, replay
from alerts.client import TicketClient
from alerts.engine import AlertEngine, EvaluationReport
from alerts.registry import build_rule
from alerts.rules.base import EvaluationContext, RuleScopeError
from api.app import create_app
from api.resources import Resources
from config.loader import parse_config
from foundation.access import Principal
from foundation.errors import ConfigError
from index.base import MentionFilter, SearchPage, SearchRequest, TrendBucket, TrendInterval
from index.saved import SavedSearchIn, SavedSearchPatch, SavedSearchStore
from sentiment.base import SentimentLabel
from tests.factories import BRANDS_YAML, NOW, make_mention
from tickets.enums import Role

OWNER = Principal("pr-team", Role.pr)


def engine(resources: Resources, rules: str, **options: Any) -> AlertEngine:
    resources.config = parse_config(BRANDS_YAML + rules)
    client = TicketClient.in_process(create_app(resources), resources.issue_internal_key(), backoff=0.01)
    return AlertEngine.from_config(resources.config, resources.mentions, resources.alerts, client, **options)


def run(e: AlertEngine, at: datetime = NOW) -> EvaluationReport:
    return asyncio.run(e.evaluate(at))


def share(name: str, query: str, **extra: str) -> str:
    lines = "".join(f"\n      {k}: {v}" for k, v in extra.items())
    return f"""
    - name: {name}
      type: negative_share
      window: 24h
      min_count: 3
      threshold: 0.6
      brands: [鲜达外卖]
      {query}{lines}"""


def news(resources: Resources) -> None:
    """Three negative posts about refunds among nine negative-free posts about taste."""
    refunds = [
        make_mention(f"鲜达外卖退款太慢了 {i}", label="negative", score=0.05, post_id=f"refund{i}") for i in range(3)
    ]
    ad = make_mention("鲜达外卖退款广告 满减", label="negative", score=0.05, post_id="ad")
    taste = [make_mention(f"鲜达外卖很好吃 {i}", label="positive", score=0.9, post_id=f"taste{i}") for i in range(9)]
    resources.mentions.upsert([*refunds, ad, *taste])


def test_a_rule_scoped_by_a_query_fires_only_on_the_matching_mentions(resources: Resources) -> None:
    news(resources)
    rules = "alerts:\n  rules:" + share("all", "") + share("refunds", 'query: "退款 -广告"')
    report = run(engine(resources, rules))
    outcomes = {o.rule: o for o in report.outcomes}
    # Over all 13 posts 4 are negative (31%): quiet. Over the refund posts that are not ads: 3 of 3.
    assert outcomes["all"].fired == [] and outcomes["all"].observations[0].numbers["negative"] == 4
    [fired] = outcomes["refunds"].fired
    numbers = outcomes["refunds"].observations[0].numbers
    assert numbers["scored"] == 3 and numbers["negative"] == 3
    ticket = resources.tickets.get_by_number(fired.ticket_number or "")
    assert sorted(m.excerpt for m in ticket.mentions) == [f"鲜达外卖退款太慢了 {i}" for i in range(3)]


def test_plain_words_still_mean_all_of_them(resources: Resources) -> None:
    news(resources)
    report = run(engine(resources, "alerts:\n  rules:" + share("words", "query: 退款 太慢")))
    assert report.outcomes[0].observations[0].numbers["scored"] == 3  # the ad has 退款 but not 太慢


def test_relative_dates_in_a_rule_query_count_back_from_the_evaluation_moment(resources: Resources) -> None:
    # The posts are from 2026-11-20 and so is the evaluation: however late the test runs, "now-12h" in the
    # rule's query means twelve hours before the moment evaluated, as it would have in a replay or catch-up.
    resources.mentions.upsert(
        [
            make_mention(f"鲜达外卖退款太慢了 {i}", label="negative", score=0.05, post_id=f"r{i}", published_at=at)
            for i, at in enumerate([NOW - timedelta(hours=2)] * 3 + [NOW - timedelta(hours=20)] * 2)
        ]
    )
    rules = "alerts:\n  rules:" + share("recent", "query: 'date:>now-12h'")
    report = run(engine(resources, rules))
    assert report.outcomes[0].observations[0].numbers["negative"] == 3
    assert len(report.outcomes[0].fired) == 1
    replayed = replay(build_rule(resources.config.rules()[0]), resources.mentions, [NOW], ["鲜达外卖"])
    assert [e.kind for e in replayed] == ["fired"] and replayed[0].numbers["negative"] == 3


def test_an_event_rule_applies_its_query(resources: Resources) -> None:
    at = NOW - timedelta(minutes=1)
    resources.mentions.upsert(
        [
            make_mention("鲜达外卖炸鸡食物中毒了", updated_at=at, post_id="c1", platform="weibo"),
            make_mention("鲜达外卖食物中毒 广告 律师咨询", updated_at=at, post_id="c2", platform="weibo"),
            make_mention("鲜达外卖食物中毒", updated_at=at, post_id="c3", platform="news"),
        ]
    )
    rules = """
alerts:
  rules:
    - {name: crisis, type: critical_words, brands: [鲜达外卖], query: "platform:weibo -广告"}
"""
    report = run(engine(resources, rules))
    assert [f.key for f in report.fired] == [make_mention("x", post_id="c1", platform="weibo").id]


def test_a_rule_scoped_by_a_saved_search_follows_it(resources: Resources) -> None:
    news(resources)
    searches = SavedSearchStore(resources.db)
    sid = searches.create(OWNER, SavedSearchIn(name="退款投诉", query="退款 AND NOT 广告", shared=True)).id
    rules = "alerts:\n  rules:" + share("refunds", "saved_search: 退款投诉")
    e = engine(resources, rules)
    first = run(e)
    assert len(first.fired) == 1 and first.outcomes[0].observations[0].numbers["scored"] == 3
    # The search is looked up at each evaluation: a change applies at the next one.
    searches.update(OWNER, sid, SavedSearchPatch(query="好吃"))
    later = run(e, NOW + timedelta(minutes=5))
    assert later.outcomes[0].observations[0].numbers["scored"] == 9
    assert later.outcomes[0].resolved == ["鲜达外卖"]


def test_a_missing_saved_search_pauses_its_rule_and_the_others_go_on(resources: Resources) -> None:
    news(resources)
    rules = "alerts:\n  rules:" + share("by_search", "saved_search: 不存在") + share("refunds", 'query: "退款 -广告"')
    e = engine(resources, rules, pause_for=timedelta(minutes=10))
    report = run(e)
    paused, other = report.outcomes
    assert paused.rule == "by_search" and paused.status == "paused"
    assert paused.error and "saved search '不存在': no shared saved search named '不存在'" in paused.error
    assert other.status == "evaluated" and len(other.fired) == 1
    health = resources.alerts.rule_health("by_search")
    assert health and health.paused_until == NOW + timedelta(minutes=10) and "不存在" in (health.last_error or "")
    [error] = [ev for ev in resources.alerts.events("by_search") if ev.kind == "error"]
    assert "no shared saved search" in error.summary
    assert run(e, NOW + timedelta(minutes=1)).outcomes[0].status == "paused"
    # Created (and shared) in the meantime: once the pause is over, the rule runs again.
    SavedSearchStore(resources.db).create(OWNER, SavedSearchIn(name="不存在", query="退款 -广告", shared=True))
    back = run(e, NOW + timedelta(minutes=11))
    assert back.outcomes[0].status == "evaluated" and len(back.outcomes[0].fired) == 1


def test_a_private_saved_search_does_not_scope_rules(resources: Resources) -> None:
    SavedSearchStore(resources.db).create(OWNER, SavedSearchIn(name="私人", query="退款"))
    report = run(engine(resources, "alerts:\n  rules:" + share("private", "saved_search: 私人")))
    assert report.outcomes[0].status == "paused" and "no shared saved search named '私人'" in (
        report.outcomes[0].error or ""
    )


class Recording(SeriesStore):
    """A count series that notes the filter of every store call a rule makes."""

    def __init__(self, points: Sequence[Point], step: timedelta):
        super().__init__(points, step)
        self.filters: list[MentionFilter] = []

    def count(self, flt: MentionFilter) -> int:
        self.filters.append(flt)
        return super().count(flt)

    def label_counts(self, flt: MentionFilter) -> dict[SentimentLabel, int]:
        self.filters.append(flt)
        return super().label_counts(flt)

    def trend(self, flt: MentionFilter, interval: TrendInterval, tz: str = "UTC") -> list[TrendBucket]:
        self.filters.append(flt)
        return super().trend(flt, interval, tz)

    def search(self, request: SearchRequest) -> SearchPage:
        self.filters.append(request.filter)
        return super().search(request)


WINDOW_RULES = """
alerts:
  rules:
    - {name: share, type: negative_share, window: 1h, min_count: 10, threshold: 0.5, query: 退款, saved_search: s}
    - {name: spike, type: volume_spike, query: 退款, saved_search: s}
    - {name: rise, type: sustained_rise, days: 3, query: 退款, saved_search: s}
"""


def test_every_store_call_of_every_window_rule_carries_the_scope() -> None:
    # Twenty quiet days (10 posts an hour, 1 negative), then three bad days, then a burst in the last hour:
    # every rule fires, so the paths that fetch posts and words run too.
    end = datetime(2026, 11, 20, 16, tzinfo=UTC)
    start = end - timedelta(days=23)
    points = []
    for h in range(23 * 24):
        at = start + timedelta(hours=h)
        bad_days = at >= end - timedelta(days=3, hours=16)
        points.append(Point(at, 10, 8 if bad_days else 1))
    points[-1] = Point(points[-1].timestamp, 100, 90)
    config = parse_config(BRANDS_YAML + WINDOW_RULES)
    for rule_config in config.rules():
        store = Recording(points, timedelta(hours=1))
        rule = build_rule(rule_config)
        ctx = EvaluationContext(store, end, ["鲜达外卖"], "Asia/Shanghai", saved_query="不发货 OR 没到")
        [observation] = rule.evaluate(ctx)
        assert observation.firing, (rule.name, observation.summary)
        assert store.filters and {(f.query, tuple(f.brands), f.query_tz) for f in store.filters} == {
            ("(退款) AND (不发货 OR 没到)", ("鲜达外卖",), "Asia/Shanghai")
        }, rule.name
        with pytest.raises(RuleScopeError, match="not looked up"):
            replay(rule, store, [end], ["鲜达外卖"])  # without the saved search's query: refused, not ignored


def test_a_bad_query_is_a_config_error_naming_the_rule_line_and_column() -> None:
    text = (
        BRANDS_YAML
        + """alerts:
  rules:
    - name: refunds
      type: negative_share
      threshold: 0.5
      query: "退款 AND (不发货"
"""
    )
    with pytest.raises(ConfigError) as info:
        parse_config(text, "bad.yaml")
    [problem] = info.value.problems
    rendered = problem.render("bad.yaml")
    assert rendered.startswith("bad.yaml:13: alerts.rules[0].query: rule 'refunds': invalid query at column 12")
    assert "\n" not in rendered


def test_source_silent_takes_no_mention_scope() -> None:
    text = BRANDS_YAML + "alerts:\n  rules:\n    - {name: s, type: source_silent, query: 退款}\n"
    with pytest.raises(ConfigError, match="query does not apply to source_silent"):
        parse_config(text, "bad.yaml")
