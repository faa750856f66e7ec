"""Helper processes see no secret of the flow's environment (issue 13): the NER helpers get
an allow-list of variables, checked on a real helper's /proc/PID/environ."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors.entities.ner_process import ProcessNerModel, helper_environment

SECRET = "https://hooks.slack.com/services/T0SECRET/B0SECRET/tok3nTOK3Ntok3nTOK3N"


def test_the_allow_list_keeps_what_python_needs_and_nothing_else() -> None:
    environ = {
        "PATH": "/usr/bin",
        "HOME": "/home/a",
        "LC_ALL": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "OPENBLAS_CORETYPE": "Haswell",
        "MALI_MONITOR_SLACK_WEBHOOK": SECRET,
        "MALI_MONITOR_SMTP_PASSWORD": "hunter2",
        "MY_OWN_PASSWORD_VAR": "x",
        "AWS_SECRET_ACCESS_KEY": "y",
        "PREFECT_API_AUTH_STRING": "admin:z",
    }
    env = helper_environment(environ, PYTHONPATH="/src")
    assert env == {
        "PATH": "/usr/bin",
        "HOME": "/home/a",
        "LC_ALL": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "OPENBLAS_CORETYPE": "Haswell",
        "PYTHONPATH": "/src",
    }


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
def test_a_real_ner_helper_process_has_no_secret_in_its_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MALI_MONITOR_SLACK_WEBHOOK", SECRET)
    monkeypatch.setenv("MALI_MONITOR_SMTP_PASSWORD", "hunter2-password")
    model = ProcessNerModel(processes=1)
    model.start()
    try:
        (helper,) = model._helpers
        environ = Path(f"/proc/{helper.proc.pid}/environ").read_bytes()
        helper.proc.kill()  # no need to wait for spaCy to load
    finally:
        model.close()
    assert b"T0SECRET" not in environ and b"hunter2" not in environ
    assert b"PATH=" in environ and b"PYTHONPATH=" in environ
