"""`convlab batch` (grade a whole course) and `convlab merge` (join the shards' results).

    convlab batch SUBMISSIONS --out RESULTS [--seed S] [--jobs N] [--shard i/n] [--dask ADDRESS]
                  [--assignment NAME] [--config FILE] [--lang en|zh]
    convlab merge RESULTS [RESULTS ...] --out MERGED

The seed is chosen as for `convlab grade` (commands/seed.py). Exit codes as in
commands/common.py; a batch in which the grader failed on some submission exits 1
after storing everything else. See docs/batch.md.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..paths import GRADING_TOML
from ..report.labels import LANGUAGES
from .common import (EXIT_GRADER_FAILED, positive_int, EXIT_OK, EXIT_USAGE, CommandError, checked_isolation, existing_folder, grader_setting,
                     isolation_arguments, load_grade_policy, load_grading_config, protect_grader_process, run_command)
from .seed import parse_seed, resolve_seed


def batch_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `convlab batch`."""
    parser.add_argument("submissions", metavar="SUBMISSIONS", help="folder with one folder or .zip per student, or nbgrader's course folder (with submitted/)")
    parser.add_argument("--out", metavar="RESULTS", type=Path, required=True, help="folder for the results (reused: what is already graded is kept)")
    parser.add_argument("--seed", metavar="S", help="seed of the hidden cases (default: the environment variable named by grading.toml's seed_env)")
    parser.add_argument("--jobs", metavar="N", type=positive_int, help="worker processes (default: one per core)")
    parser.add_argument("--shard", metavar="i/n", help="grade only shard i of n (1-based), e.g. 2/4; join the shards with `convlab merge`")
    parser.add_argument("--dask", metavar="ADDRESS", help="grade on a Dask cluster: its scheduler address (tcp://host:8786), or local:N for N local workers")
    parser.add_argument(
        "--assignment",
        metavar="NAME",
        help="grade only the exercises of this assignment (grading.toml's `assignment`); with nbgrader's layout, "
        "also the assignment folder to grade (needed when there are several)",
    )
    parser.add_argument("--config", metavar="FILE", type=Path, help="grading policy to use (default: the repository's grading.toml)")
    parser.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the messages (default: en)")
    parser.add_argument("--speed", action="store_true", help="also time conv2d_forward and a LeNet step against the reference, for grades.csv (about 3 s per submission)")
    parser.add_argument("--force", action="store_true", help="RESULTS holds another seed's or grading policy's results: move them aside (RESULTS.replaced-<time>) and start over")
    parser.add_argument("--dask-tls", metavar="DIR", type=Path, help="with a tls:// scheduler: the folder holding ca.pem, client.pem and client-key.pem (see docs/batch.md)")
    isolation_arguments(parser)
    parser.add_argument("--overrides", metavar="FILE", type=Path, help="the instructors' overrides (student,exercise,points,reason; default: grading.toml [overrides] file)")


def merge_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `convlab merge`."""
    parser.add_argument("results", metavar="RESULTS", nargs="+", type=Path, help="RESULTS folders written by `convlab batch` (e.g. one per shard)")
    parser.add_argument("--out", metavar="MERGED", type=Path, required=True, help="folder for the merged results")
    parser.add_argument("--config", metavar="FILE", type=Path, help="grading policy with the late policy (default: the repository's grading.toml)")
    parser.add_argument("--overrides", metavar="FILE", type=Path, help="the instructors' overrides (default: grading.toml [overrides] file)")


def _batch(args: argparse.Namespace) -> int:
    from ..batch.discover import DiscoveryError, is_nbgrader_course
    from ..batch.executors import default_jobs
    from ..batch.fingerprint import policy_fingerprint
    from ..batch.run import BatchOptions, BatchRefused, run_batch
    from ..batch.shard import parse_shard

    submissions = existing_folder(args.submissions)
    try:
        shard = parse_shard(args.shard) if args.shard is not None else None
    except ValueError as error:
        raise CommandError(str(error)) from None
    if args.dask and args.jobs:
        raise CommandError("--jobs sets the local pool and --dask a cluster: choose one (a cluster's size is its number of workers)")
    if args.seed is not None:
        parse_seed(args.seed, "--seed")
    config = load_grading_config(args.config)
    policy, overrides = load_grade_policy(args.config, args.overrides)
    seed, seed_kind = resolve_seed(args.seed, public_seed=grader_setting(config, "public_seed"), seed_env=grader_setting(config, "seed_env"), environ=os.environ)
    protect_grader_process(config.grader.seed_env)  # the workers it starts never see the seed's variable
    config, _ = checked_isolation(config, args.isolation, seed_kind, args.allow_weak_isolation)
    config_sha = policy_fingerprint(args.config or GRADING_TOML)
    folder_assignment = args.assignment
    if args.assignment in config.assignment_ids:
        # One course assignment: its exercises only. A result graded on another selection
        # is never reused, so the selection is part of the policy's fingerprint.
        config = config.for_assignment(args.assignment)
        config_sha += f"+assignment={args.assignment}"
        if not is_nbgrader_course(submissions):
            folder_assignment = None
    options = BatchOptions(
        submissions=submissions,
        results=args.out,
        seed=seed,
        seed_kind=seed_kind,
        config=config,
        config_sha=config_sha,
        lang=args.lang,
        jobs=args.jobs or default_jobs(),
        shard=shard,
        dask=args.dask,
        assignment=folder_assignment,
        force=args.force,
        measure_speed=args.speed,
        dask_security=dask_security(args.dask, args.dask_tls, seed_kind),
        policy=policy,
        overrides=tuple(overrides),
    )
    try:
        summary = run_batch(options)
    except (DiscoveryError, BatchRefused) as error:
        raise CommandError(str(error)) from None
    except ImportError as error:
        if args.dask and "distributed" in str(error):
            raise CommandError("--dask needs Dask's distributed package: pip install 'dask[distributed]'", EXIT_USAGE) from None
        raise
    except (OSError, TimeoutError, ValueError) as error:
        if args.dask:
            raise CommandError(f"cannot grade on Dask at {args.dask}: {error}", EXIT_GRADER_FAILED) from None
        if isinstance(error, OSError):
            raise CommandError(f"cannot write {args.out}: {error.strerror or error}", EXIT_GRADER_FAILED) from None
        raise
    for failure in summary.failures:
        print(f"convlab batch: grader error: {failure}", file=sys.stderr)
    return EXIT_GRADER_FAILED if summary.failed else EXIT_OK


def dask_security(address: str | None, tls_folder: Path | None, seed_kind: str):
    """The Security a Dask client needs, or None; refuses to send a hidden seed over plain TCP.

    Tasks carry the seed and the submissions; results carry the grades. On a remote
    cluster they travel only over TLS (`tls://` scheduler, certificates in --dask-tls).
    `local:N` starts its own cluster with temporary certificates (batch/executors.py).
    """
    if address is None:
        if tls_folder is not None:
            raise CommandError("--dask-tls goes with --dask tls://host:port")
        return None
    if address.startswith("local:"):
        return None
    if address.startswith("tls://"):
        if tls_folder is None:
            raise CommandError(f"--dask {address} needs --dask-tls DIR: the folder with ca.pem, client.pem and client-key.pem")
        from ..batch.executors import tls_security

        try:
            return tls_security(tls_folder)
        except FileNotFoundError as error:
            raise CommandError(f"--dask-tls {tls_folder}: {error}") from None
    from ..batch.executors import is_loopback

    if seed_kind == "hidden" and not is_loopback(address):
        raise CommandError(
            f"--dask {address}: the hidden seed and the submissions would travel unencrypted. "
            "Start the cluster with TLS and pass --dask tls://host:port --dask-tls DIR (docs/batch.md), or use --dask local:N"
        )
    return None


def batch(args: argparse.Namespace) -> int:
    """Grade every submission in SUBMISSIONS into RESULTS; keep what is already graded."""
    return run_command("batch", lambda: _batch(args))


def _merge(args: argparse.Namespace) -> int:
    from ..batch.merge import MergeError, merge_results

    for path in args.results:
        existing_folder(path)
    policy, overrides = load_grade_policy(args.config, args.overrides)
    try:
        summary = merge_results(args.results, args.out, policy, tuple(overrides))
    except MergeError as error:
        raise CommandError(str(error), EXIT_USAGE) from None
    print(f"convlab merge: {summary.submissions} submissions from {summary.inputs} folders; wrote {args.out}", file=sys.stderr)
    return EXIT_OK


def merge(args: argparse.Namespace) -> int:
    """Join RESULTS folders of one course's shards into MERGED."""
    return run_command("merge", lambda: _merge(args))
