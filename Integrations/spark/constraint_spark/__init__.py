"""constraint_spark: check snapshots on Apache Spark with the `constraint` binary.

See docs/SCALE.md. The partition runner (`constraint_spark.partition`) needs no Spark; the job
functions (`check_path`, `check_dataframe`, `check_lines`) need pyspark.
"""

from .partition import ConstraintRunError, RESULT_FIELDS, SUMMARY_COUNTS

__all__ = [
    "ConstraintRunError",
    "RESULT_FIELDS",
    "SUMMARY_COUNTS",
    "check_dataframe",
    "check_lines",
    "check_path",
]


def __getattr__(name):
    if name in ("check_dataframe", "check_lines", "check_path", "CheckRun"):
        from . import job

        return getattr(job, name)
    raise AttributeError(name)
