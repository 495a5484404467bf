"""Metric arithmetic against hand-computed (and scipy-checked) values."""

from __future__ import annotations

import math

import pytest

from espctl.report.metrics import (
    COMPLAINT,
    DELIVERY,
    HARD_BOUNCE,
    Band,
    Rate,
    band,
    clamped_rate,
    format_interval,
    format_percent,
    newcombe_difference,
    percentile,
    rate,
    straddles,
    wilson_interval,
)

approx = pytest.approx


def test_wilson_zero_trials_has_no_interval() -> None:
    assert wilson_interval(0, 0) is None
    r = rate(0, 0)
    assert r.value is None and r.interval is None and not r.has_data and not r.enough_data


def test_wilson_zero_of_ten() -> None:
    # z²=3.8415: centre = (z²/20)/(1+z²/10) = 0.13877; half = z·√(z²/400)/(1+z²/10) = 0.13877
    i = wilson_interval(0, 10)
    assert i is not None
    assert i.low == 0.0
    assert i.high == approx(0.2775328, abs=1e-6)


def test_wilson_five_of_thousand() -> None:
    i = wilson_interval(5, 1000)
    assert i is not None
    assert (i.low, i.high) == (approx(0.0021375, abs=1e-6), approx(0.0116510, abs=1e-6))


def test_wilson_all_successes_mirrors_zero() -> None:
    i = wilson_interval(10, 10)
    assert i is not None
    assert i.high == 1.0
    assert i.low == approx(1 - 0.2775328, abs=1e-6)


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        (1, 1000, 0.00018, 0.0056),  # ANALYTICS §2.5: 0.018 %-0.56 %
        (10, 10_000, 0.00054, 0.0018),
        (30, 10_000, 0.0021, 0.0043),
        (45, 50, 0.786, 0.957),
        (980, 1000, 0.969, 0.987),
    ],
)
def test_wilson_matches_published_examples(k: int, n: int, low: float, high: float) -> None:
    i = wilson_interval(k, n)
    assert i is not None
    assert i.low == approx(low, rel=0.02)
    assert i.high == approx(high, rel=0.03)  # published values are rounded


def test_zero_complaints_needs_1277_for_upper_bound_under_0_3_percent() -> None:
    assert wilson_interval(0, 1277).high < 0.003  # type: ignore[union-attr]
    assert wilson_interval(0, 1276).high >= 0.003  # type: ignore[union-attr]
    assert wilson_interval(0, 500).high == approx(0.00762, abs=1e-5)  # type: ignore[union-attr]


def test_invalid_counts_raise() -> None:
    for k, n in [(-1, 5), (6, 5), (0, -1)]:
        with pytest.raises(ValueError):
            Rate(k, n)
    assert clamped_rate(7, 5) == Rate(5, 5)
    assert clamped_rate(3, 0) == Rate(0, 0)


def test_newcombe_published_example() -> None:
    d = newcombe_difference(rate(56, 70), rate(48, 80))
    assert d is not None
    assert d.estimate == approx(0.2)
    assert (d.interval.low, d.interval.high) == (approx(0.0524, abs=1e-4), approx(0.3339, abs=1e-4))
    assert d.significant


def test_newcombe_complaints_just_significant() -> None:
    d = newcombe_difference(rate(12, 20_000), rate(25, 20_000))
    assert d is not None
    assert d.interval.low == approx(-0.00130, abs=1e-5)
    assert d.interval.high == approx(-0.00005, abs=1e-5)
    assert d.significant


def test_newcombe_no_data_and_not_significant() -> None:
    assert newcombe_difference(rate(0, 0), rate(1, 10)) is None
    d = newcombe_difference(rate(5, 100), rate(6, 100))
    assert d is not None and not d.significant and d.interval.contains(0.0)


def test_bands_and_not_enough_data_rule() -> None:
    assert band(rate(0, 0), COMPLAINT) is Band.no_data
    assert band(rate(0, 99), COMPLAINT) is Band.insufficient  # n < 100
    assert band(rate(20, 100), HARD_BOUNCE) is Band.insufficient  # width 15.9 points > 5
    # 0/336: interval 0-1.13 % contains both complaint lines -> cannot tell OK from Critical
    assert band(rate(0, 336), COMPLAINT) is Band.insufficient
    assert band(rate(0, 10_000), COMPLAINT) is Band.ok
    assert band(rate(15, 10_000), COMPLAINT) is Band.warning
    assert band(rate(40, 10_000), COMPLAINT) is Band.critical
    # 14/6,930 = 0.202 %: interval 0.120-0.339 % crosses only 0.3 % -> keeps its band
    assert band(rate(14, 6930), COMPLAINT) is Band.warning
    assert straddles(rate(14, 6930), COMPLAINT) == (0.003,)
    assert band(rate(9900, 10_000), DELIVERY) is Band.ok
    assert band(rate(9700, 10_000), DELIVERY) is Band.warning
    assert band(rate(9000, 10_000), DELIVERY) is Band.critical
    assert band(rate(100, 10_000), HARD_BOUNCE) is Band.ok
    assert band(rate(300, 10_000), HARD_BOUNCE) is Band.warning
    assert band(rate(600, 10_000), HARD_BOUNCE) is Band.critical


def test_threshold_edges_are_inclusive_on_the_bad_side() -> None:
    assert COMPLAINT.band_of(0.001) is Band.warning
    assert COMPLAINT.band_of(0.003) is Band.critical
    assert COMPLAINT.band_of(0.00099) is Band.ok
    assert DELIVERY.band_of(0.98) is Band.ok
    assert DELIVERY.band_of(0.95) is Band.warning


def test_formatting_and_percentile() -> None:
    assert format_percent(None) == "—"
    assert format_percent(0.00202) == "0.202%"
    assert format_percent(0.99) == "99.0%"
    assert format_percent(0.05) == "5.00%"
    assert format_interval(None) == "—"
    assert format_interval(wilson_interval(0, 10)) == "0.000%\u201327.8%"
    assert percentile([], 50) is None
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert math.isclose(percentile([1.0, 2.0, 3.0, 4.0], 90) or 0, 3.7)


# -- issue 17: sample sizes, percentage points, threshold text, shares --------------------


def test_quantile_rule_needs_ten_samples_beyond_the_quantile() -> None:
    from espctl.report.metrics import quantile_rule

    assert [quantile_rule(q) for q in (0.5, 0.25, 0.75, 0.1, 0.9, 0.99)] == [
        20,
        40,
        40,
        100,
        100,
        1000,
    ]


def test_latency_quantiles_are_withheld_below_their_sample_size() -> None:
    from espctl.report.data import Latency

    small = Latency.of([float(i) for i in range(20)])
    assert small is not None and small.samples == 20
    assert small.p50 == approx(9.5) and small.at(0.25) is None and small.p90 is None
    big = Latency.of([float(i) for i in range(1000)])
    assert big is not None and big.p99 == approx(989.01) and big.at(0.1) == approx(99.9)
    assert Latency.of([]) is None


def test_differences_are_written_in_percentage_points() -> None:
    from espctl.report.metrics import Interval, format_pp, format_pp_interval

    assert format_pp(0.0106, plus=True) == "+1.06 pp"
    assert format_pp(-0.0000840) == "\u22120.008 pp"
    assert format_pp(0.1234) == "12.3 pp"
    assert format_pp(None) == "\u2014"
    assert format_pp_interval(Interval(-0.0166, -0.0125)) == "\u22121.66 to \u22121.25 pp"
    assert format_pp(-0.0000001) == "0.000 pp"  # no minus sign on a rounded zero


def test_threshold_lines_print_exactly() -> None:
    from espctl.report.metrics import format_line

    assert [format_line(x) for x in (0.001, 0.003, 0.02, 0.98, 0.0005)] == [
        "0.1%",
        "0.3%",
        "2%",
        "98%",
        "0.05%",
    ]


def test_shares_add_up_to_exactly_100_percent() -> None:
    from espctl.report.view_routing import shares_to_tenths

    tenths = shares_to_tenths([1, 1, 1])
    assert sum(tenths) == 1000 and sorted(tenths) == [333, 333, 334]
    assert sum(shares_to_tenths([16271, 11552, 18400, 11882, 0])) == 1000
    assert shares_to_tenths([0, 0]) == [0, 0]


def test_a_provider_wide_webhook_duplicates_a_scoped_one() -> None:
    from espctl.model.summary import WebhookInfo, WebhookTrigger
    from espctl.report.view_routing import duplicate_deliveries
    from tests.report.sample_data import sample_report_data

    hook = "https://hooks.example.com/mg"
    data = sample_report_data(
        webhooks=(
            WebhookInfo(
                "mg",
                hook,
                "domain a.example.com",
                "signing key",
                (WebhookTrigger("delivered", "delivered"),),
            ),
            WebhookInfo(
                "mg",
                "https://u:***@hooks.example.com/mg",
                "account",
                "basic auth",
                (WebhookTrigger("delivered", "delivered"), WebhookTrigger("opened", "opened")),
            ),
            WebhookInfo(
                "mg",
                hook,
                "domain b.example.com",
                "signing key",
                (WebhookTrigger("opened", "opened"),),
            ),
        )
    )
    assert duplicate_deliveries(data) == [
        {"provider": "mg", "scope": "domain a.example.com", "url": hook, "events": ["delivered"]},
        {"provider": "mg", "scope": "domain b.example.com", "url": hook, "events": ["opened"]},
    ]


def test_mailgun_sends_a_url_listed_at_account_and_domain_level_once() -> None:
    """Mailgun de-duplicates URLs per event across account and domain level (its docs):
    the adapter's rows say so, and the "fires twice" check believes it; the same URL
    with other credentials is another URL there, and does fire twice."""
    from espctl.model.common import BasicAuth, Secret
    from espctl.model.resources import LiveState
    from espctl.providers.mailgun import resources as mg
    from espctl.providers.mailgun.summary import MailgunAdapter
    from espctl.report.view_routing import duplicate_deliveries
    from tests.report.sample_data import sample_report_data

    url = "https://hooks.example.com/mg"
    auth = BasicAuth(username="u", password=Secret("p"))
    live = LiveState(
        "mg",
        (
            mg.webhook_resource("mg", "a.example.com", mg.MailgunWebhookUrl(url), ["delivered"]),
            mg.webhook_resource("mg", "b.example.com", mg.MailgunWebhookUrl(url, auth), ["opened"]),
            mg.account_webhook_resource(
                "mg", mg.MailgunWebhookUrl(url), ["delivered", "opened"], ref="w1"
            ),
            mg.webhook_resource(  # a second URL text for one receiver: another URL there
                "mg",
                "b.example.com",
                mg.MailgunWebhookUrl(url, BasicAuth(username="v", password=Secret("q"))),
                ["clicked"],
                stored="https://v:q@hooks.example.com/mg",
                copy=1,
            ),
        ),
        facts={"region": "eu"},
    )
    rows = MailgunAdapter().webhooks("mg", live)
    assert [(w.scope, w.url, w.auth) for w in rows] == [
        ("account (every EU domain)", url, "signing key"),
        ("domain a.example.com", url, "signing key"),
        ("domain b.example.com", "https://u:***@hooks.example.com/mg", "basic auth"),
        ("domain b.example.com", "https://v:***@hooks.example.com/mg", "basic auth"),
    ]
    assert all(w.deduplicated for w in rows)
    assert duplicate_deliveries(sample_report_data(webhooks=tuple(rows))) == [
        {"provider": "mg", "scope": "domain b.example.com", "url": url, "events": ["opened"]},
    ]


def test_report_window_rules() -> None:
    from datetime import date

    from espctl.report.window import WindowError, resolve_window

    today = date(2026, 12, 3)
    assert resolve_window("4w", None, None, today) == (date(2026, 11, 5), today)
    assert resolve_window(None, "2026-11-01", "2026-11-07", today) == (
        date(2026, 11, 1),
        date(2026, 11, 8),
    )
    for args, option in (
        (("0d", None, None), "--since"),
        ((None, "2026-12-04", "2026-12-10"), "--from"),
        ((None, "2026-13-01", None), "--from/--to"),
        (("7d", "2026-11-01", None), "--since"),
    ):
        with pytest.raises(WindowError) as caught:
            resolve_window(*args, today)  # type: ignore[arg-type]
        assert caught.value.option == option
