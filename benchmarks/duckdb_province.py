"""The DuckDB baseline of bench_province.py: twelve rules of procedure.md evaluated set-wise, in SQL, over the
JSON Lines export (`fazhan export`) of the same database, in process (DuckDB reads the file in parallel,
columnar). It is a yardstick of speed, not a second inspector: each rule is its plain reading here (the first
record of each step, no corrections, no in-force dates, no holidays, no exceptions with reasons), so the
bench prints how far its findings agree with Fazhan's, rule by rule, rather than assuming they do.

    .venv/bin/python benchmarks/duckdb_province.py EXPORT.jsonl AS_OF [--out FINDINGS.tsv]

Prints the seconds and peak RSS, and writes each finding as `rule<TAB>person or org`.
"""

import argparse
import resource
import sys
import time

import duckdb

RULES = (
    "APP-TALK",
    "ACT-HALFYEAR",
    "TGT-1YEAR",
    "INTRO-2",
    "TRN-MIN",
    "ACC-QUORUM",
    "ACC-MAJORITY",
    "APV-TIME",
    "CNV-ONTIME",
    "VIO-BACKDATE",
    "PLAN-QUOTA",
    "POOL-RATIO",
)

LOAD = """
create table line as select * from read_json(?, format='newline_delimited', columns={
    'type': 'VARCHAR', 'code': 'VARCHAR', 'parent': 'VARCHAR', 'kind': 'VARCHAR', 'id': 'VARCHAR',
    'org': 'VARCHAR', 'person': 'VARCHAR', 'step': 'VARCHAR', 'date': 'DATE', 'recorded_at': 'TIMESTAMPTZ',
    'details': 'JSON', 'year': 'INTEGER', 'quota': 'INTEGER'});
create table steps as select person, step, date, recorded_at, details from line where type = 'step';
create table exits as select person, min(date) as exited from line where type = 'exit' group by person;
create table persons as select id as person, org from line where type = 'person';
create table orgs as select code, parent, kind from line where type = 'org';
create table plans as select org, year, quota from line where type = 'plan';
create table firsts as pivot (select person, step, date from steps) on step
    in ('S01','S02','S03','S06','S07','S09','S11','S15','S17','S23','S24') using min(date) group by person;
"""

# Each rule: the persons (or orgs) it finds something on. $as_of: the as-of date.
CHECKS = {
    "APP-TALK": """
        select f.person from firsts f left join exits x using (person) where f.S01 is not null and (
            f.S02 > f.S01 + interval 1 month
            or (f.S02 is null and $as_of > f.S01 + interval 1 month
                and (x.exited is null or x.exited > f.S01 + interval 1 month)))""",
    "ACT-HALFYEAR": """
        with w as (
            select f.person, f.S03 + to_months(6 * k.i) as lo, f.S03 + to_months(6 * (k.i + 1)) as hi
            from firsts f, range(0, 40) k(i)
            where f.S03 is not null
              and f.S03 + to_months(6 * (k.i + 1)) <= coalesce(f.S07, $as_of))
        select distinct w.person from w where not exists (
            select 1 from steps s where s.person = w.person and s.step = 'S06'
              and s.date >= w.lo and s.date < w.hi)""",
    "TGT-1YEAR": "select person from firsts where S07 < S03 + interval 12 month",
    "INTRO-2": """select distinct person from steps where step = 'S09'
        and coalesce(json_array_length(details->'$.introducers'), 0) <> 2""",
    "TRN-MIN": """select distinct person from steps where step = 'S11'
        and coalesce(cast(details->>'$.days' as double), 0) < 3
        and coalesce(cast(details->>'$.hours' as double), 0) < 24""",
    "ACC-QUORUM": """select distinct person from steps where step in ('S15', 'S23')
        and cast(details->>'$.present' as integer) * 2 <= cast(details->>'$.entitled' as integer)""",
    "ACC-MAJORITY": """select distinct person from steps where step in ('S15', 'S23')
        and (cast(details->>'$.for' as integer) + coalesce(cast(details->>'$.written_for' as integer), 0)) * 2
            <= cast(details->>'$.entitled' as integer)""",
    "APV-TIME": """
        select f.person from firsts f left join exits x using (person) where f.S15 is not null and (
            f.S17 > f.S15 + interval 3 month
            or (f.S17 is null and $as_of > f.S15 + interval 3 month and x.exited is null))""",
    "CNV-ONTIME": """
        select f.person from firsts f left join exits x using (person) where f.S17 is not null and (
            f.S23 > f.S15 + interval 13 month
            or (f.S23 is null and $as_of > f.S15 + interval 13 month and x.exited is null))""",
    "VIO-BACKDATE": """select distinct person from steps
        where cast(recorded_at as date) - date > 30""",
    "PLAN-QUOTA": """
        with recursive up(person, org) as (
            select p.person, p.org from persons p join firsts f using (person) where f.S17 is not null
            union all
            select up.person, o.parent from up join orgs o on o.code = up.org where o.parent is not null),
        admitted as (
            select up.org, year(f.S17) as year, count(*) as n
            from up join firsts f using (person) where f.S17 <= $as_of group by all)
        select p.org from plans p left join admitted a using (org, year)
        where coalesce(a.n, 0) > p.quota
           or (coalesce(a.n, 0) < p.quota and make_date(p.year + 1, 1, 1) <= $as_of)""",
    "POOL-RATIO": """
        with stage as (
            select p.org, case
                when f.S17 is not null then 'member' when f.S07 is not null then 'target'
                when f.S03 is not null then 'activist' else 'applicant' end as stage
            from persons p join firsts f using (person) left join exits x using (person)
            where x.exited is null or x.exited > $as_of),
        n as (select o.code as org,
                count(*) filter (where s.stage = 'applicant') as a,
                count(*) filter (where s.stage = 'activist') as b,
                count(*) filter (where s.stage = 'target') as t
              from orgs o left join stage s on s.org = o.code where o.kind = 'branch' group by o.code)
        select org from n where a < 2 * b or b < 3 * t""",
}


def run(path: str, as_of: str) -> tuple[dict[str, set[str]], float, float]:
    """The findings by rule, the seconds of the load and of the rules."""
    con = duckdb.connect()
    t0 = time.perf_counter()
    first, rest = LOAD.split(";", 1)
    con.execute(first, [path])
    con.execute(rest)
    loaded = time.perf_counter() - t0
    found: dict[str, set[str]] = {}
    t0 = time.perf_counter()
    for rule, sql in CHECKS.items():
        query = sql.replace("$as_of", f"date '{as_of}'")
        found[rule] = {row[0] for row in con.execute(query).fetchall()}
    return found, loaded, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("export")
    parser.add_argument("as_of")
    parser.add_argument("--out")
    args = parser.parse_args()
    found, loaded, judged = run(args.export, args.as_of)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"duckdb: load {loaded:.2f} s, rules {judged:.2f} s, total {loaded + judged:.2f} s, "
        f"peak RSS {peak:.0f} MB"
    )
    for rule in RULES:
        print(f"  {rule}: {len(found[rule])}")
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            for rule in RULES:
                for who in sorted(found[rule]):
                    f.write(f"{rule}\t{who}\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
