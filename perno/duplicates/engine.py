"""Scored comparison of records with splink (Fellegi-Sunter, DuckDB backend).

A ``Spec`` names the compared columns by their role; this module turns it into splink
settings (blocking rules, comparison levels with prior m/u probabilities and term
frequency adjustments), estimates the u probabilities from the data when there is
enough of it (seeded random sampling), scores the blocked pairs and returns those at
or above the threshold with the levels that matched.

The m probabilities (how often a true duplicate reaches each level) are fixed priors,
not trained by expectation maximisation: on CRM-like data, where duplicates are few
and EM's blocking (same postcode) brings mostly different people together, EM took
"same place" for the match class (precision 0.50 on 200,000 generated contacts). With
fixed m and sampled u the FEBRL 4 figures are as good as with EM (bench/dedup.py).

Why splink: it is maintained, runs the whole pipeline as SQL inside DuckDB (a million
records on one machine in minutes), and its model says per comparison why a pair
scored (the level reached), which the review queue shows in words.

Offline and private: DuckDB runs in memory with extension auto-install and auto-load
off; what it spills goes to a temporary directory that is removed when the run ends.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule

SEED = 20  # the seed of the u sampling: the same data gives the same pairs
TRAIN_MIN_ROWS = 2_000  # below this the priors are used as they are, without term frequencies
U_MAX_PAIRS = 5e6
FLOOR = 0.001  # pairs below this probability are never kept, even with an exact id

Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class Level:
    """One comparison level: its SQL over ``col_l``/``col_r``, the prior m and u, the
    reason code stored on a pair when the level is reached (empty: no evidence)."""

    sql: str
    m: float
    u: float
    reason: str = ""
    tf: str = ""  # the column whose term frequencies adjust this level


@dataclass(frozen=True)
class Comparison:
    name: str
    null_sql: str
    levels: tuple[Level, ...]
    exact_id: bool = False  # an exact match on its first level keeps the pair (e-mail, VAT)
    else_m: float = 0.05  # how often a true duplicate differs here beyond every level

    def splink(self, tf: bool = True) -> dict[str, Any]:
        levels: list[dict[str, Any]] = [
            {"sql_condition": self.null_sql, "is_null_level": True, "label_for_charts": "null"}
        ]
        for level in self.levels:
            entry: dict[str, Any] = {
                "sql_condition": level.sql,
                "label_for_charts": level.reason or "else",
                "m_probability": level.m,
                "u_probability": level.u,
            }
            if level.tf and tf:
                entry["tf_adjustment_column"] = level.tf
                entry["tf_adjustment_weight"] = 1.0
            levels.append(entry)
        levels.append(
            {
                "sql_condition": "ELSE",
                "label_for_charts": "else",
                "m_probability": self.else_m,
                "u_probability": 0.9,
            }
        )
        return {"output_column_name": self.name, "comparison_levels": levels}

    def reason(self, gamma: int) -> str:
        """The reason code of comparison vector value ``gamma`` (-1 null, 0 else, the
        first level is the highest)."""
        if gamma <= 0:
            return ""
        return self.levels[len(self.levels) - gamma].reason


def _null(*cols: str) -> str:
    left = " AND ".join(f'"{c}_l" IS NULL' for c in cols)
    right = " AND ".join(f'"{c}_r" IS NULL' for c in cols)
    return f"({left}) OR ({right})"


def _jw(col: str, threshold: float) -> str:
    return f'jaro_winkler_similarity("{col}_l", "{col}_r") >= {threshold}'


def exact_text(
    name: str, col: str, reason: str, *, tf: bool = True, exact_id: bool = False
) -> Comparison:
    """Same value or not (VAT number, postcode, website domain)."""
    return Comparison(
        name,
        _null(col),
        (Level(f'"{col}_l" = "{col}_r"', 0.9, 0.001, reason, col if tf else ""),),
        exact_id=exact_id,
    )


def similar_text(name: str, col: str, exact: str, similar: str, jw: float = 0.9) -> Comparison:
    """A place or company name: the same, similar (Jaro-Winkler), else."""
    return Comparison(
        name,
        _null(col),
        (
            Level(f'"{col}_l" = "{col}_r"', 0.8, 0.01, exact, col),
            Level(_jw(col, jw), 0.1, 0.005, similar),
        ),
    )


def place(name: str, city: str, postcode: str) -> Comparison:
    """City and postcode together (they go together, so one comparison, not two that
    would count the same evidence twice)."""
    return Comparison(
        name,
        _null(city, postcode),
        (
            Level(
                f'"{postcode}_l" = "{postcode}_r" AND "{city}_l" = "{city}_r"',
                0.75,
                0.0005,
                "postcode",
                city,
            ),
            Level(f'"{postcode}_l" = "{postcode}_r"', 0.05, 0.001, "postcode"),
            Level(f'"{city}_l" = "{city}_r"', 0.08, 0.002, "city", city),
            Level(_jw(city, 0.9), 0.07, 0.004, "city_similar"),
        ),
    )


def identifier(name: str, col: str, exact: str, near: str, *, exact_id: bool = False) -> Comparison:
    """A code typed by people (phone, date of birth, social security number): the same,
    one or two edits apart, else."""
    return Comparison(
        name,
        _null(col),
        (
            Level(f'"{col}_l" = "{col}_r"', 0.85, 0.0005, exact),
            Level(f'levenshtein("{col}_l", "{col}_r") <= 1', 0.08, 0.002, near),
            Level(f'levenshtein("{col}_l", "{col}_r") <= 2', 0.03, 0.01, near),
        ),
        exact_id=exact_id,
    )


def phones(name: str, col: str, exact: str, near: str) -> Comparison:
    """Lists of phone numbers: one in common, the first ones a digit apart, else."""
    return Comparison(
        name,
        f'len("{col}_l") = 0 OR len("{col}_r") = 0',
        (
            Level(f'list_has_any("{col}_l", "{col}_r")', 0.8, 0.0005, exact),
            Level(f'levenshtein("{col}_l"[1], "{col}_r"[1]) <= 1', 0.08, 0.002, near),
        ),
        exact_id=True,
    )


def email(name: str, col: str) -> Comparison:
    user_l, user_r = (f"""regexp_extract("{col}_{side}", '^[^@]+')""" for side in "lr")
    return Comparison(
        name,
        _null(col),
        (
            Level(f'"{col}_l" = "{col}_r"', 0.8, 0.0001, "email", col),
            Level(f"{user_l} = {user_r}", 0.08, 0.001, "email_user"),
            Level(_jw(col, 0.88), 0.07, 0.003, "email_similar"),
        ),
        exact_id=True,
    )


def person_name(name: str, first: str, last: str, full: str) -> Comparison:
    """First and last name together: the same, swapped, both similar, one the same."""
    jw = " AND ".join
    return Comparison(
        name,
        _null(first, last),
        (
            Level(f'"{full}_l" = "{full}_r"', 0.75, 0.0002, "name", full),
            Level(
                f'"{first}_l" = "{last}_r" AND "{last}_l" = "{first}_r"',
                0.04,
                0.00001,
                "name_swapped",
            ),
            Level(jw([_jw(first, 0.92), _jw(last, 0.92)]), 0.1, 0.0005, "name_similar"),
            Level(jw([_jw(first, 0.85), _jw(last, 0.85)]), 0.04, 0.002, "name_similar"),
            Level(f'"{last}_l" = "{last}_r"', 0.03, 0.005, "last_name", last),
            Level(f'"{first}_l" = "{first}_r"', 0.02, 0.01, "first_name", first),
        ),
        else_m=0.01,
    )


@dataclass(frozen=True)
class Spec:
    """What one kind of record is compared on."""

    comparisons: tuple[Comparison, ...]
    blocking: tuple[tuple[str, ...] | str, ...]  # columns (equal) or a SQL rule
    # The share of records that have a duplicate, as the model assumes before it looks:
    # the prior probability that two random records match is this over the rows.
    share: float = 0.05

    def settings(self, rows: int) -> SettingsCreator:
        rules: list[Any] = [
            CustomRule(rule) if isinstance(rule, str) else block_on(*rule) for rule in self.blocking
        ]
        return SettingsCreator(
            link_type="dedupe_only",
            unique_id_column_name="id",
            probability_two_random_records_match=min(0.5, self.share / max(rows - 1, 1)),
            blocking_rules_to_generate_predictions=rules,
            # Term frequencies of a few rows say nothing (two of three companies
            # named alike would make the name worthless): only from TRAIN_MIN_ROWS.
            comparisons=[c.splink(tf=rows >= TRAIN_MIN_ROWS) for c in self.comparisons],
            retain_matching_columns=True,  # with the gamma_ columns: why a pair matched
            retain_intermediate_calculation_columns=False,
        )


@dataclass
class Pair:
    low: int
    high: int
    score: float
    reasons: list[str]


@contextmanager
def connection() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB that installs and loads nothing and spills into a temporary
    directory removed on exit."""
    spill = tempfile.mkdtemp(prefix="perno-dedup-")
    con = duckdb.connect(
        ":memory:",
        config={
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "temp_directory": spill,
        },
    )
    try:
        yield con
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)


def find(
    con: duckdb.DuckDBPyConnection,
    table: str,
    spec: Spec,
    *,
    threshold: float,
    progress: Progress | None = None,
    floor: float = FLOOR,
) -> list[Pair]:
    """The pairs of rows of ``table`` (column ``id`` plus the spec's columns, values
    already normalised, NULL when missing) that score ``threshold`` or more, or that
    share an exact identifier (e-mail, phone, VAT) and score at least ``floor``."""
    say = progress or (lambda stage, percent: None)
    # The table is the caller's own DuckDB table name, never input.
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]  # noqa: S608  # nosec B608
    if rows < 2:
        return []
    db_api = DuckDBAPI(con)
    data = db_api.register(table)
    linker = Linker(data, spec.settings(rows), log_level=logging.ERROR)
    for name in ("splink", "sqlglot"):
        logging.getLogger(name).setLevel(logging.ERROR)
    if rows >= TRAIN_MIN_ROWS:
        say("train", 20)
        linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=SEED)
    say("score", 50)
    predictions = linker.inference.predict(threshold_match_probability=min(threshold, floor))
    say("collect", 80)
    strong = " OR ".join(
        f"gamma_{c.name} = {len(c.levels)}" for c in spec.comparisons if c.exact_id
    )
    columns = ", ".join(f"gamma_{c.name}" for c in spec.comparisons)
    keep = f"match_probability >= {float(threshold)!r}" + (f" OR {strong}" if strong else "")
    # Column names come from the spec, the table from splink, numbers from floats.
    sql = f"SELECT id_l, id_r, match_probability, {columns} FROM {predictions.physical_name} WHERE {keep}"  # noqa: S608  # nosec B608
    frame: pd.DataFrame = con.execute(sql).df()
    predictions.drop_table_from_database_and_remove_from_cache()
    return list(_pairs(frame, spec))


def _pairs(frame: pd.DataFrame, spec: Spec) -> Iterator[Pair]:
    if frame.empty:
        return
    gammas = {c.name: frame[f"gamma_{c.name}"].to_numpy() for c in spec.comparisons}
    left = frame["id_l"].to_numpy()
    right = frame["id_r"].to_numpy()
    scores = frame["match_probability"].to_numpy()
    for i in range(len(frame)):
        reasons = [
            reason
            for comparison in spec.comparisons
            if (reason := comparison.reason(int(gammas[comparison.name][i])))
        ]
        a, b = int(left[i]), int(right[i])
        yield Pair(min(a, b), max(a, b), round(float(scores[i]), 6), reasons)
