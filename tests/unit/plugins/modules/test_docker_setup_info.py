# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The module's real ``main()``: each question answered from the host, nothing changed,
and a command that cannot be run reported instead of failing the task."""

from __future__ import annotations

import functools
import hashlib
import os
import stat
import sys

import pytest
from ansible.module_utils import basic

from ansible_collections.selfhosted.postiz.plugins.module_utils import _docker_setup
from ansible_collections.selfhosted.postiz.plugins.modules import docker_setup_info
from ansible_collections.selfhosted.postiz.tests.unit.plugins.modules.described_facts import own_file_facts


@pytest.fixture
def run(run_module):
    return functools.partial(run_module, docker_setup_info.main)


@pytest.fixture(autouse=True)
def binaries(monkeypatch):
    """Programs get_bin_path finds, by name: none unless a test adds one (coreutils' timeout)."""
    found = {}
    monkeypatch.setattr(
        basic.AnsibleModule, "get_bin_path", lambda self, name, *args, **kwargs: found.get(name)
    )
    return found


@pytest.fixture
def commands(monkeypatch):
    """argv tuple -> (rc, out, err), or an OSError to raise; each call is recorded."""
    answers, calls = {}, []

    def fake(self, args, **kwargs):
        calls.append(list(args))
        answer = answers.get(tuple(args))
        if isinstance(answer, OSError):
            raise answer
        if answer is None:
            raise AssertionError(f"unexpected command {args}")
        return answer

    monkeypatch.setattr(basic.AnsibleModule, "run_command", fake)
    return answers, calls


def test_lists_only_installed_packages(run, commands):
    answers, _calls = commands
    answers[tuple(_docker_setup.DPKG_QUERY)] = (
        0,
        "docker.io installed\ncontainerd config-files\npython3-docker installed\n",
        "",
    )
    result = run()
    assert result["changed"] is False
    assert result["packages"] == ["docker.io", "python3-docker"]
    assert "compose_plugin" not in result and "python" not in result and "compose_version" not in result


def test_a_host_without_dpkg_has_no_package_list(run, commands):
    answers, _calls = commands
    answers[tuple(_docker_setup.DPKG_QUERY)] = FileNotFoundError(2, "No such file or directory")
    assert run()["packages"] is None


def test_runs_a_plugin_link_into_the_given_directory_only(run, commands, tmp_path):
    answers, calls = commands
    venv = tmp_path / "venv"
    (venv / "lib").mkdir(parents=True)
    binary = venv / "lib" / "docker-compose"
    binary.write_text("")
    plugins = tmp_path / "cli-plugins"
    plugins.mkdir()
    link = plugins / "docker-compose"
    os.symlink(binary, link)
    answers[(str(link), "version", "--short")] = (0, "2.40.3\n", "")
    result = run(packages=False, compose_plugin_path=str(link), compose_link_dir=str(venv))
    assert result["compose_plugin"] == {
        "exists": True,
        "islnk": True,
        "lnk_source": str(binary),
        "version": {"rc": 0, "stdout": "2.40.3\n", "stderr": ""},
    }
    # A link elsewhere is described, never run.
    calls.clear()
    elsewhere = run(packages=False, compose_plugin_path=str(link), compose_link_dir=str(tmp_path / "other"))
    assert elsewhere["compose_plugin"]["version"] is None and calls == []


def test_a_missing_or_plain_plugin_entry(run, commands, tmp_path):
    _answers, calls = commands
    missing = run(packages=False, compose_plugin_path=str(tmp_path / "docker-compose"))
    assert missing["compose_plugin"] == {"exists": False, "islnk": False, "lnk_source": "", "version": None}
    plain = tmp_path / "docker-compose"
    plain.write_text("")
    os.chmod(plain, stat.S_IRWXU)
    found = run(packages=False, compose_plugin_path=str(plain), compose_link_dir=str(tmp_path))
    assert found["compose_plugin"]["exists"] is True and found["compose_plugin"]["islnk"] is False
    assert calls == []


def test_reports_the_interpreter_and_what_it_imports(run, commands):
    result = run(packages=False, python_modules=["json", "no_such_module_here"])
    python = result["python"]
    assert python["executable"] == sys.executable and python["prefix"] == sys.prefix
    assert python["found"]["no_such_module_here"] is None
    assert python["found"]["json"]


def test_docker_compose_version_and_a_missing_cli(run, commands):
    answers, _calls = commands
    answers[("docker", "compose", "version", "--short")] = (0, "2.40.3\n", "")
    assert run(packages=False, compose_version=True)["compose_version"]["stdout"] == "2.40.3\n"


SERVER_VERSION = ("docker", "version", "--format", "{{.Server.Version}}")


def test_the_daemon_version(run, commands):
    answers, calls = commands
    answers[SERVER_VERSION] = (0, "20.10.24+dfsg1\n", "")
    result = run(packages=False, server_version=True)
    assert result["changed"] is False
    assert result["server_version"] == {"rc": 0, "stdout": "20.10.24+dfsg1\n", "stderr": ""}
    assert calls == [list(SERVER_VERSION)]


def test_a_daemon_that_does_not_answer_and_a_missing_cli(run, commands):
    answers, _calls = commands
    refused = (
        "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n"
    )
    answers[SERVER_VERSION] = (1, "\n", refused)
    down = run(packages=False, server_version=True)
    assert "failed" not in down
    assert down["server_version"] == {"rc": 1, "stdout": "\n", "stderr": refused}


@pytest.mark.parametrize(
    "option, argv",
    [("compose_version", ("docker", "compose", "version", "--short")), ("server_version", SERVER_VERSION)],
)
def test_a_missing_docker_cli_is_reported_not_a_failure(run, commands, option, argv):
    answers, _calls = commands
    answers[argv] = FileNotFoundError(2, "No such file or directory")
    missing = run(packages=False, **{option: True})
    assert "failed" not in missing
    assert missing[option] == {"rc": 127, "stdout": "", "stderr": "docker: No such file or directory"}


def test_asks_neither_version_nor_describes_unless_told(run, commands):
    _answers, calls = commands
    result = run(packages=False)
    assert "server_version" not in result and "described" not in result
    assert calls == []


def test_describes_paths_without_following_links(run, commands, tmp_path):
    _answers, calls = commands
    etc = tmp_path / "etc-docker"
    etc.mkdir()
    os.chmod(etc, 0o755)
    (etc / "daemon.json").write_text('{"log-driver": "local"}\n')
    os.chmod(etc / "daemon.json", 0o644)
    plugin = tmp_path / "docker-compose"
    plugin.symlink_to(tmp_path / "venv" / "bin" / "docker-compose")
    result = run(packages=False, describe=[str(etc), str(plugin), str(tmp_path / "absent")])
    assert result["changed"] is False and calls == []
    described = result["described"]
    assert sorted(described) == sorted(
        [str(etc), str(etc / "daemon.json"), str(plugin), str(tmp_path / "absent")]
    )
    assert described[str(etc)]["type"] == "directory" and described[str(etc)]["listed"] is True
    assert described[str(etc / "daemon.json")] == own_file_facts(
        "0644", hashlib.sha1(b'{"log-driver": "local"}\n').hexdigest()
    )
    assert described[str(plugin)]["type"] == "link"
    assert described[str(tmp_path / "absent")] == {"type": "missing"}


def test_a_link_in_a_described_directory_is_described_as_a_link(run, commands, tmp_path):
    folder = tmp_path / "docker"
    folder.mkdir()
    os.chmod(folder, 0o755)
    daemon = folder / "daemon.json"
    daemon.write_text("{}\n")
    os.chmod(daemon, 0o644)
    os.symlink(daemon, folder / "link.json")
    described = run(packages=False, describe=[str(folder), str(tmp_path / "absent")])["described"]
    assert described[str(folder)]["type"] == "directory" and described[str(folder)]["mode"] == "0755"
    assert described[str(folder)]["listed"] is True
    assert described[str(daemon)]["type"] == "file" and described[str(daemon)]["mode"] == "0644"
    assert described[str(daemon)]["sha1"] == hashlib.sha1(b"{}\n").hexdigest()
    assert described[str(folder / "link.json")]["type"] == "link"
    assert described[str(tmp_path / "absent")] == {"type": "missing"}


def test_the_version_and_the_facts_in_one_run(run, commands, tmp_path):
    answers, _calls = commands
    answers[SERVER_VERSION] = (0, "27.3.1\n", "")
    answers[("docker", "compose", "version", "--short")] = (0, "2.40.3\n", "")
    result = run(packages=False, server_version=True, compose_version=True, describe=[str(tmp_path)])
    assert result["server_version"]["stdout"] == "27.3.1\n"
    assert result["compose_version"]["stdout"] == "2.40.3\n"
    assert list(result["described"]) == [str(tmp_path)]
    assert result["described"][str(tmp_path)]["type"] == "directory"
    assert result["described"][str(tmp_path)]["listed"] is True


def test_a_relative_path_to_describe_fails_the_task(run, commands):
    result = run(packages=False, describe=["etc/docker"])
    assert result["failed"] is True
    assert "is not an absolute path" in result["msg"]
    assert result["msg"] == "'etc/docker' is not an absolute path: give each path to describe from the root."


def test_service_states_from_the_running_service_manager(run, commands, monkeypatch, tmp_path):
    answers, calls = commands
    # systemd's runtime directory where the module looks for it: systemd runs here.
    monkeypatch.setattr(_docker_setup, "SYSTEMD_RUNTIME", str(tmp_path))
    answers[("systemctl", "show", "--property=UnitFileState,ActiveState", "--", "cron")] = (
        0,
        "UnitFileState=enabled\nActiveState=active\n",
        "",
    )
    result = run(packages=False, services=["cron"])
    assert result["changed"] is False
    assert result["services"] == {"cron": {"manager": "systemd", "enabled": True, "active": True}}
    assert len(calls) == 1
    assert "services" not in run(packages=False)


def test_asks_the_daemon_its_version_at_the_given_address(run, commands):
    answers, calls = commands
    answers[("docker", "version", "--format", "{{.Server.Version}}")] = (0, "20.10.24+dfsg1\n", "")
    assert run(packages=False, server_version=True)["server_version"] == {
        "rc": 0,
        "stdout": "20.10.24+dfsg1\n",
        "stderr": "",
    }
    silent = "Cannot connect to the Docker daemon at tcp://127.0.0.1:2375. Is the docker daemon running?\n"
    answers[("docker", "--host", "tcp://127.0.0.1:2375", "version", "--format", "{{.Server.Version}}")] = (
        1,
        "",
        silent,
    )
    away = run(packages=False, server_version=True, server_url="tcp://127.0.0.1:2375")
    assert "failed" not in away
    assert away["server_version"] == {"rc": 1, "stdout": "", "stderr": silent}
    # Without server_version the address asks nothing.
    calls.clear()
    assert "server_version" not in run(packages=False, server_url="tcp://127.0.0.1:2375")
    assert calls == []


def test_a_daemon_that_hangs_is_given_a_time_limit(run, commands, binaries):
    answers, calls = commands
    binaries["timeout"] = "/usr/bin/timeout"
    answers[("/usr/bin/timeout", "60", *SERVER_VERSION)] = (124, "", "")
    result = run(packages=False, server_version=True)
    assert calls == [["/usr/bin/timeout", "60", *SERVER_VERSION]]
    assert result["server_version"] == {"rc": 124, "stdout": "", "stderr": ""}


def test_lists_the_tcp_listeners_with_ss(run, commands):
    answers, calls = commands
    line = 'LISTEN 0 4096 127.0.0.1:5000 0.0.0.0:* users:(("docker-proxy",pid=812,fd=4))\n'
    answers[tuple(_docker_setup.SS_LISTENERS)] = (0, line, "")
    result = run(packages=False, listeners=True)
    assert result["listeners"] == {"rc": 0, "stdout": line, "stderr": ""}
    assert calls == [_docker_setup.SS_LISTENERS]


def test_a_host_without_ss_reports_it(run, commands):
    answers, _calls = commands
    answers[tuple(_docker_setup.SS_LISTENERS)] = FileNotFoundError(2, "No such file or directory")
    assert run(packages=False, listeners=True)["listeners"]["rc"] == 127


def test_free_space_where_a_directory_is_to_live(run, commands, tmp_path):
    _answers, calls = commands
    future = tmp_path / "docker" / "data-root"
    result = run(packages=False, free_space=str(future))
    assert calls == []
    found = result["free_space"]
    # Read from the nearest directory that exists, on the filesystem it is on.
    assert found["path"] == str(tmp_path)
    assert os.path.ismount(found["mount"])
    assert (str(tmp_path) + "/").startswith(found["mount"].rstrip("/") + "/")
    info = os.statvfs(tmp_path)
    assert abs(found["size_available"] - info.f_bavail * info.f_frsize) < 64 * 1024 * 1024
    assert found["size_available"] > 0


def test_free_space_of_a_directory_that_exists(tmp_path):
    found = _docker_setup.free_space(str(tmp_path))
    assert found["path"] == str(tmp_path)
    assert _docker_setup.free_space("/")["mount"] == "/"
