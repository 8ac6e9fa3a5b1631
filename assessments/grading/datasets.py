"""Seeded dataset generators for data drills: the same (params, seed) always gives the same table.

Every attempt gets its own seed, so recruits compute from their own numbers. A generator is a pure function
of its cleaned params and a private ``random.Random``; nothing global is touched.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # "int" | "decimal"
    min: Decimal
    max: Decimal
    default: Decimal


@dataclass(frozen=True)
class Generator:
    name: str
    columns: tuple[str, ...]
    params: tuple[Param, ...]
    build: Callable[[dict[str, Decimal], random.Random], dict[str, list[int]]]
    description: str = ""


COMMUNITY_COLUMNS = ("week", "members", "joins", "leaves", "active", "messages", "conversions", "dau", "mau")


def _round(x: float) -> int:
    return max(0, math.floor(x + 0.5))


def _community_weeks(p: dict[str, Decimal], rng: random.Random) -> dict[str, list[int]]:
    growth, churn, noise = float(p["growth"]), float(p["churn"]), float(p["noise"])

    def jitter() -> float:
        return 1 + noise * rng.uniform(-1, 1)  # in [0.5, 1.5] for noise <= 0.5, never negative

    # The community's character, drawn once per seed: even without weekly noise, seeds differ.
    activity = rng.uniform(0.18, 0.42)  # weekly active / members
    reach = rng.uniform(1.35, 1.9)  # trailing-28-day active / weekly active
    daily = rng.uniform(0.22, 0.45)  # average daily active / weekly active
    talk = rng.uniform(2.5, 7.5)  # messages per weekly active member
    buy = rng.uniform(0.02, 0.09)  # first purchases / weekly active

    rows: dict[str, list[int]] = {name: [] for name in COMMUNITY_COLUMNS}
    members = int(p["start_members"])
    for week in range(1, int(p["weeks"]) + 1):
        joins = _round(members * growth * jitter())
        leaves = min(members, _round(members * churn * jitter()))
        members = members + joins - leaves
        active = min(members, _round(members * activity * jitter()))
        mau = min(members, max(active, _round(active * reach * jitter())))
        dau = min(active, _round(active * daily * jitter()))
        messages = max(active, _round(active * talk * jitter()))
        conversions = min(active, _round(active * buy * jitter()))
        row = (week, members, joins, leaves, active, messages, conversions, dau, mau)
        for name, value in zip(COMMUNITY_COLUMNS, row, strict=True):
            rows[name].append(value)
    return rows


WORKLOAD_COLUMNS = (
    "day",
    "shift",
    "shift_hours",
    "messages",
    "tickets",
    "sec_per_message",
    "min_per_ticket",
    "hourly_cost",
    "orders",
    "order_value",
)
# Share of a day's messages per shift (早 09–13, 中 13–18, 晚 18–23) and the weekday pattern (Mon … Sun).
_SHIFT_SHARE = (0.28, 0.34, 0.38)
_SHIFT_HOURS = (4, 5, 5)
_DAY_LOAD = (1.0, 0.95, 0.95, 1.0, 1.1, 1.25, 1.2)
_WEEKEND_EVENING = 1.15


def _team_workload(p: dict[str, Decimal], rng: random.Random) -> dict[str, list[int]]:
    """One week of the operations team's queue: 7 days × 3 shifts, handling times and costs per seed."""
    communities, per_day = int(p["communities"]), float(p["messages_per_community"])
    noise = float(p["noise"])
    ticket_share = rng.uniform(0.04, 0.09)  # messages escalated to an after-sales ticket
    sec_per_message = rng.randint(45, 90)
    min_per_ticket = rng.randint(6, 14)
    hourly_cost = rng.randint(38, 65)  # yuan per operator hour, wages plus social insurance
    order_value = rng.randint(80, 220)  # yuan per order attributed to the community
    buy_rate = rng.uniform(0.015, 0.04)  # orders per incoming message

    rows: dict[str, list[int]] = {name: [] for name in WORKLOAD_COLUMNS}
    for day in range(1, 8):
        for shift in range(1, 4):
            load = _DAY_LOAD[day - 1] * _SHIFT_SHARE[shift - 1]
            if day >= 6 and shift == 3:
                load *= _WEEKEND_EVENING
            expected = communities * per_day * load * (1 + noise * rng.uniform(-1, 1))
            messages = max(1, _round(expected))
            tickets = min(messages, _round(messages * ticket_share * (1 + noise * rng.uniform(-1, 1))))
            orders = min(messages, _round(messages * buy_rate * (1 + noise * rng.uniform(-1, 1))))
            row = (
                day,
                shift,
                _SHIFT_HOURS[shift - 1],
                messages,
                tickets,
                sec_per_message,
                min_per_ticket,
                hourly_cost,
                orders,
                order_value,
            )
            for name, value in zip(WORKLOAD_COLUMNS, row, strict=True):
                rows[name].append(value)
    return rows


def _int(name: str, low: int, high: int, default: int) -> Param:
    return Param(name, "int", Decimal(low), Decimal(high), Decimal(default))


def _dec(name: str, low: str, high: str, default: str) -> Param:
    return Param(name, "decimal", Decimal(low), Decimal(high), Decimal(default))


GENERATORS: dict[str, Generator] = {
    "community_weeks": Generator(
        name="community_weeks",
        columns=COMMUNITY_COLUMNS,
        params=(
            _int("weeks", 4, 52, 12),
            _int("start_members", 50, 1_000_000, 3000),
            _dec("growth", "0", "0.5", "0.03"),
            _dec("churn", "0", "0.5", "0.02"),
            _dec("noise", "0", "0.5", "0.1"),
            _int("seed_offset", 0, 1_000_000, 0),
        ),
        build=_community_weeks,
        description="weekly figures of one community: members, joins, leaves, activity, purchases",
    ),
    "team_workload": Generator(
        name="team_workload",
        columns=WORKLOAD_COLUMNS,
        params=(
            _int("communities", 1, 500, 20),
            _int("messages_per_community", 5, 500, 40),
            _dec("noise", "0", "0.5", "0.15"),
            _int("seed_offset", 0, 1_000_000, 0),
        ),
        build=_team_workload,
        description="a week of the team queue per day and shift: messages, tickets, handling times, costs",
    ),
}


def params_problems(generator: str, params: Mapping[str, str]) -> list[str]:
    """Every problem of a drill's ``params:`` for this generator; [] when they are fine."""
    spec = GENERATORS.get(generator)
    if spec is None:
        known = ", ".join(sorted(GENERATORS))
        return [f"unknown generator '{generator}' (known: {known})"]
    by_name = {p.name: p for p in spec.params}
    found = []
    for name, raw in params.items():
        param = by_name.get(name)
        if param is None:
            known = ", ".join(by_name)
            found.append(f"{generator} has no parameter '{name}' (its parameters are {known})")
            continue
        value = _decimal(raw)
        if value is None:
            found.append(f"parameter '{name}' must be a number, not '{raw}'")
        elif param.kind == "int" and value != value.to_integral_value():
            found.append(f"parameter '{name}' must be a whole number, not '{raw}'")
        elif not param.min <= value <= param.max:
            found.append(f"parameter '{name}' must be between {param.min} and {param.max}, not {raw}")
    return found


def _decimal(raw: object) -> Decimal | None:
    if isinstance(raw, bool) or not isinstance(raw, str | int | Decimal):
        return None
    try:
        value = Decimal(raw.strip() if isinstance(raw, str) else raw)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def params_clean(generator: str, params: Mapping[str, str]) -> dict[str, Decimal]:
    """The generator's params as Decimals with defaults filled in; raises ValueError on any problem."""
    found = params_problems(generator, params)
    if found:
        raise ValueError("; ".join(found))
    cleaned = {p.name: p.default for p in GENERATORS[generator].params}
    for name, raw in params.items():
        value = _decimal(raw)
        if value is None:  # pragma: no cover - params_problems reports it first
            raise ValueError(f"parameter '{name}' must be a number")
        cleaned[name] = value
    return cleaned


def generate(generator: str, params: Mapping[str, str], seed: int) -> dict[str, list[int]]:
    """The table for one attempt: the generator's columns in order, deterministic in (params, seed)."""
    cleaned = params_clean(generator, params)
    spec = GENERATORS[generator]
    offset = int(cleaned.get("seed_offset", Decimal(0)))
    # Not for security: a reproducible exercise table, and the seed is stored with the attempt anyway.
    rng = random.Random(seed + offset)  # noqa: S311
    table = spec.build(cleaned, rng)
    return {name: table[name] for name in spec.columns}
