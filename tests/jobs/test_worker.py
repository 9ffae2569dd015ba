"""`carnet worker` stops like a service should: SIGTERM lets the running job finish."""

from __future__ import annotations

from pathlib import Path

from tests.serving import enqueue, migrated_env, start, stop, wait_for


def test_sigterm_lets_the_job_in_flight_finish(tmp_path: Path) -> None:
    env = migrated_env(tmp_path)
    worker = start("worker", "--threads", "1", env=env)
    marker = tmp_path / "job-done"
    runs = Path(f"{marker}.runs")
    try:
        enqueue(
            env,
            "from tests.jobs.probe_tasks import slow_touch_file;"
            f"slow_touch_file.enqueue({str(marker)!r}, 2.0)",
        )
        assert wait_for(runs.exists), "the worker never started the job"
        assert not marker.exists()
    finally:
        code, _out, err = stop(worker)
    assert marker.exists(), "the job running at SIGTERM was cut short"
    assert runs.read_text().split() == [str(worker.pid)]
    assert code == 0, err
    assert "Traceback" not in err
