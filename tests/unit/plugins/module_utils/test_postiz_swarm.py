# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the Swarm stack file keeps, changes and refuses of the rendered Compose file."""

from __future__ import annotations

import subprocess

import pytest
from compose_template import render
from swarm_settings import CA_FILE, settings

from ansible_collections.selfhosted.postiz.plugins.module_utils import _postiz_swarm as swarm


def stack(switches=None, replicas=1, uploads="", **changes):
    compose = render(switches, ca_certificates=CA_FILE)
    given = settings(compose, replicas, uploads)
    given.update(changes)
    return compose, swarm.stack(compose, given)


def test_the_same_services_images_healthchecks_volumes_and_networks():
    compose, result = stack()
    assert sorted(result["services"]) == sorted(compose["services"])
    assert result["volumes"] == compose["volumes"]
    for name, service in compose["services"].items():
        carried = result["services"][name]
        assert carried["image"] == service["image"]
        assert carried["networks"] == service["networks"]
        assert carried["healthcheck"]["interval"] == service["healthcheck"]["interval"]
        assert carried["healthcheck"]["start_period"] == service["healthcheck"]["start_period"]
    assert result["networks"]["internal"] == {"internal": True, "driver": "overlay"}
    assert result["networks"]["edge"] == {"driver": "overlay"}
    assert "name" not in result


def test_what_swarm_does_not_take_is_carried_or_left_out():
    compose, result = stack()
    for name, service in result["services"].items():
        for key in ("restart", "security_opt", "depends_on", "mem_limit", "env_file"):
            assert key not in service, (name, key)
        memory = compose["services"][name]["mem_limit"]
        assert service["deploy"]["resources"]["limits"]["memory"] == memory.upper()
        assert service["deploy"]["restart_policy"]["condition"] == "any"
        assert service["deploy"]["endpoint_mode"] == "dnsrr"
        assert "start_interval" not in service["healthcheck"]
    # The capability sets stay (Swarm takes them since Engine 20.10).
    assert result["services"]["temporal"]["cap_drop"] == ["ALL"]


def test_start_interval_is_left_out():
    compose = render({"proxy": True}, start_interval=True, ca_certificates=CA_FILE)
    assert "start_interval" in compose["services"]["postiz"]["healthcheck"]
    result = swarm.stack(compose, settings(compose))
    assert all("start_interval" not in s["healthcheck"] for s in result["services"].values())
    # Probed every interval from the start, as by an engine without start_interval: not 30 s apart.
    older = render({"proxy": True}, start_interval=False, ca_certificates=CA_FILE)
    older_result = swarm.stack(older, settings(older))
    for name, service in result["services"].items():
        assert service["healthcheck"] == older_result["services"][name]["healthcheck"], name


def test_only_the_proxy_publishes_and_in_host_mode():
    result = stack({"proxy": True})[1]
    published = {name for name, service in result["services"].items() if "ports" in service}
    assert published == {"postiz-proxy"}
    assert {port["mode"] for port in result["services"]["postiz-proxy"]["ports"]} == {"host"}
    assert {(p["published"], p["protocol"]) for p in result["services"]["postiz-proxy"]["ports"]} == {
        (80, "tcp"),
        (443, "tcp"),
        (443, "udp"),
    }


def test_without_the_proxy_the_app_publishes():
    result = stack({})[1]
    assert result["services"]["postiz"]["ports"] == [
        {"target": 5000, "published": 5000, "protocol": "tcp", "mode": "host"}
    ]


def test_env_files_become_secrets_and_the_image_command_runs_after_the_wrapper(tmp_path):
    compose, result = stack()
    env_services = {name for name, service in compose["services"].items() if service.get("env_file")}
    assert env_services == {"postiz", "postiz-postgres", "temporal-postgresql", "temporal"}
    for name in env_services:
        service = result["services"][name]
        (secret,) = service["secrets"]
        assert secret["target"] == f"{name}.env" and secret["mode"] == 0o400
        assert result["secrets"][secret["source"]]["file"] == f"swarm/{name}.env"
        assert service["command"] == ["/usr/bin/tini", "--", "run", name]
        assert service["entrypoint"][-1] == f"/run/secrets/{name}.env"
    # The wrapper, with stack deploy's $$ undone, exports the file and runs the command.
    env = tmp_path / "postiz.env"
    env.write_text("SECRET='it'\\''s `not run` $HOME'\n", encoding="utf-8")
    wrapper = [arg.replace("$$", "$") for arg in result["services"]["postiz"]["entrypoint"][:3]]
    out = subprocess.run(
        [*wrapper, str(env), "sh", "-c", 'printf %s "$SECRET"'], capture_output=True, text=True, check=True
    ).stdout
    assert out == "it's `not run` $HOME"


def test_a_shell_healthcheck_reads_the_secret_too():
    result = stack()[1]
    test = result["services"]["postiz-postgres"]["healthcheck"]["test"]
    assert test[0] == "CMD-SHELL"
    assert test[1].startswith("set -a && . /run/secrets/postiz-postgres.env && set +a && pg_isready")


def test_secret_and_config_names_follow_the_content():
    compose = render({"proxy": True}, ca_certificates=CA_FILE)
    first = swarm.stack(compose, settings(compose))
    changed = settings(compose)
    changed["env_secrets"]["postiz"]["sha1"] = "f" * 40
    changed["configs"]["./Caddyfile"] = "e" * 40
    second = swarm.stack(compose, changed)
    assert first["services"]["postiz"]["secrets"] != second["services"]["postiz"]["secrets"]
    assert first["services"]["postiz-proxy"]["configs"] != second["services"]["postiz-proxy"]["configs"]
    assert first["services"]["postiz-postgres"]["secrets"] == second["services"]["postiz-postgres"]["secrets"]


def test_bind_mounts_become_configs_file_by_file():
    result = stack()[1]
    temporal = result["services"]["temporal"]
    assert "volumes" not in temporal
    assert [c["target"] for c in temporal["configs"]] == [
        "/etc/temporal/config/dynamicconfig/development-sql.yaml"
    ]
    proxy_targets = {c["target"] for c in result["services"]["postiz-proxy"]["configs"]}
    assert proxy_targets == {"/etc/caddy/Caddyfile"}
    assert result["services"]["postiz-proxy"]["volumes"] == [
        "caddy-data:/data",
        "caddy-config:/config",
    ]


def test_one_replica_needs_no_worker_pinning():
    result = stack()[1]
    app = result["services"]["postiz"]
    assert app["deploy"]["replicas"] == 1
    assert app["environment"] == {"WORKER_CONCURRENCY_DIVIDER": "1"}
    assert "max_replicas_per_node" not in app["deploy"]["placement"]


@pytest.mark.parametrize(
    ("replicas", "excluded"),
    [
        (2, "reddit,twitch,x"),
        (3, "bluesky,linkedin,reddit,threads,twitch,vk,x"),
        (5, "bluesky,linkedin,reddit,threads,twitch,vk,x"),
    ],
)
def test_limited_queues_stay_on_the_replica_in_slot_1(replicas, excluded):
    result = stack(replicas=replicas, uploads="/srv/uploads")[1]
    app = result["services"]["postiz"]
    assert app["deploy"]["replicas"] == replicas
    assert app["deploy"]["placement"]["max_replicas_per_node"] == 1
    assert app["environment"]["WORKER_CONCURRENCY_DIVIDER"] == str(replicas)
    assert app["environment"]["EXCLUDE_QUEUE"] == '{{if eq .Task.Slot "1"}}{{else}}' + excluded + "{{end}}"
    assert app["volumes"][0] == {"type": "bind", "source": "/srv/uploads", "target": "/uploads"}


def test_updates_go_one_replica_at_a_time_and_roll_back():
    result = stack(replicas=2, uploads="/srv/uploads")[1]
    update = result["services"]["postiz"]["deploy"]["update_config"]
    assert update["parallelism"] == 1 and update["failure_action"] == "rollback"
    # One per node: the old task must make room for the new one.
    assert update["order"] == "stop-first"
    single = stack()[1]
    assert single["services"]["postiz"]["deploy"]["update_config"]["order"] == "start-first"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"app_replicas": 0}, "at least 1"),
        ({"app_replicas": True}, "at least 1"),
        ({"app_replicas": 2}, "need shared uploads"),
        ({"commands": {}}, "entrypoint and command"),
        ({"env_secrets": {}}, "needs a Swarm secret"),
        ({"configs": {}}, "cannot be carried to Swarm"),
    ],
)
def test_what_cannot_be_carried_is_refused_with_a_sentence(changes, message):
    with pytest.raises(swarm.SwarmStackError, match=message):
        stack(**changes)


def test_a_writable_bind_mount_is_refused():
    compose = render({"proxy": True}, ca_certificates=CA_FILE)
    compose["services"]["postiz"]["volumes"].append("./data:/data")
    given = settings(compose)
    given["configs"]["./data"] = "0" * 40
    with pytest.raises(swarm.SwarmStackError, match=r"bind mount of \./data"):
        swarm.stack(compose, given)


def test_relative_files_are_made_absolute_with_the_project_dir():
    result = stack(project_dir="/opt/postiz")[1]
    files = sorted(entry["file"] for entry in [*result["secrets"].values(), *result["configs"].values()])
    assert "/opt/postiz/Caddyfile" in files and "/opt/postiz/swarm/postiz.env" in files
    assert "/opt/postiz/dynamicconfig/development-sql.yaml" in files and CA_FILE in files
    assert all(path.startswith("/") for path in files)


def test_node_labels_and_the_default_placement_agree():
    labels = swarm.node_labels(["app"])
    assert labels == {
        "labels": {"selfhosted.postiz.app": "true"},
        "remove": ["selfhosted.postiz.data", "selfhosted.postiz.proxy"],
    }
    compose = render({"proxy": True}, ca_certificates=CA_FILE)
    given = settings(compose)
    del given["placement"]
    result = swarm.stack(compose, given)
    (constraint,) = result["services"]["postiz"]["deploy"]["placement"]["constraints"]
    assert constraint == "node.labels.selfhosted.postiz.app == true"
    assert result["services"]["postiz-postgres"]["deploy"]["placement"]["constraints"] == [
        "node.labels.selfhosted.postiz.data == true"
    ]


def test_an_unknown_node_role_is_refused():
    with pytest.raises(swarm.SwarmStackError, match="Unknown swarm node role db"):
        swarm.node_labels(["db"])


def test_secrets_and_commands_from_the_env_texts_and_the_images():
    compose = render({"proxy": True}, ca_certificates=CA_FILE)
    given = settings(compose)
    names = list(given.pop("env_secrets"))
    given.pop("commands")
    given["env_files"] = {name: f"A='{name}'\n" for name in names}
    given["images"] = {name: {"Entrypoint": ["/bin/tini", "--"], "Cmd": ["start", name]} for name in names}
    given["images"]["temporal"] = {"Entrypoint": None, "Cmd": ["autosetup"]}
    result = swarm.stack(compose, given)
    assert result["services"]["postiz"]["command"] == ["/bin/tini", "--", "start", "postiz"]
    assert result["services"]["temporal"]["command"] == ["autosetup"]
    (secret,) = result["services"]["postiz"]["secrets"]
    assert result["secrets"][secret["source"]]["file"] == "swarm/postiz.env"
    assert secret["source"].endswith(swarm.sha1_text("A='postiz'\n")[:12])


def test_object_storage_lets_replicas_share_uploads():
    result = stack(replicas=2, object_storage=True)[1]
    assert result["services"]["postiz"]["deploy"]["replicas"] == 2
    assert result["services"]["postiz"]["volumes"] == ["postiz-uploads:/uploads"]


def test_settings_given_as_text_mean_what_they_say():
    """ansible-core before 2.19 passes the values of a dict variable as text."""
    compose, as_values = stack(replicas=2, uploads="", object_storage=True)
    assert stack(replicas="2", uploads="", object_storage="True")[1] == as_values
    with pytest.raises(swarm.SwarmStackError, match="need shared uploads"):
        stack(replicas="2", uploads="", object_storage="False")
    with pytest.raises(swarm.SwarmStackError, match="whole number"):
        stack(replicas="two")
    assert compose


def test_the_update_watches_each_new_replica_for_the_monitor_given_or_30_seconds():
    _compose, result = stack(replicas=2, uploads="/srv/uploads")
    assert result["services"]["postiz"]["deploy"]["update_config"]["monitor"] == "30s"
    _compose, result = stack(replicas=2, uploads="/srv/uploads", update_monitor="5s")
    assert result["services"]["postiz"]["deploy"]["update_config"]["monitor"] == "5s"
