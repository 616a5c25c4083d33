# Copyright (c) selfhosted.postiz contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Values of a Compose service in Kubernetes terms: names, durations, memory, commands, env,
probes, ports, security settings and volumes, for _postiz_kubernetes. Each refuses what it
cannot carry over with a sentence naming the service (KubernetesManifestError).

Pure Python with no Ansible import.
"""

from __future__ import annotations

import math
import re
import shlex


class KubernetesManifestError(ValueError):
    """The Compose file or the settings hold something that cannot be carried to Kubernetes."""


PORT = re.compile(r"^(?:(?:\[[^\]]*\]|[^:\[\]]+):)?(?:\d+:)?(?P<target>\d+)(?:/(?P<protocol>tcp|udp))?$")
DURATION = re.compile(r"^(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m(?!s))?(?:(?P<s>\d+)s)?(?:(?P<ms>\d+)ms)?$")
LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$")


def label_name(text, what):
    if not isinstance(text, str) or len(text) > 63 or not LABEL.match(text):
        raise KubernetesManifestError(
            f"{what} {text!r} is not a Kubernetes name: at most 63 lowercase letters, digits and '-', "
            "starting and ending with a letter or digit."
        )
    return text


def subdomain(text, what):
    if not isinstance(text, str) or len(text) > 253 or not SUBDOMAIN.match(text):
        raise KubernetesManifestError(
            f"{what} {text!r} is not a Kubernetes name: lowercase letters, digits, '-' and '.'."
        )
    return text


def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "file"


def compose_text(name, text):
    """A string of the Compose file as Compose passes it on: ``$$`` is a literal ``$``. Any other
    ``$`` is Compose's own interpolation, which the rendered file never needs."""
    text = str(text)
    if re.search(r"\$(?!\$)", text.replace("$$", "")):
        raise KubernetesManifestError(f"Service {name}: {text!r} asks Compose to interpolate a variable.")
    return text.replace("$$", "$")


def kubernetes_literal(text):
    """Text that Kubernetes' $(VAR) expansion (env values, command, args, exec probes) leaves as is."""
    return text.replace("$", "$$")


def seconds(name, value, default):
    if value is None:
        return default
    match = DURATION.match(str(value))
    if not match or not any(match.groupdict().values()):
        raise KubernetesManifestError(f"Service {name}: cannot read the duration {value!r}.")
    parts = {key: int(found or 0) for key, found in match.groupdict().items()}
    total = parts["h"] * 3600 + parts["m"] * 60 + parts["s"] + parts["ms"] / 1000
    return max(1, math.ceil(total))


def memory(name, value):
    match = re.fullmatch(r"(\d+)\s*([kKmMgG])[bB]?", str(value))
    if not match:
        raise KubernetesManifestError(f"Service {name}: cannot read the memory limit {value!r}.")
    # Compose's k, m and g are binary units, as Kubernetes' Ki, Mi and Gi.
    return match[1] + {"k": "Ki", "m": "Mi", "g": "Gi"}[match[2].lower()]


def command(name, value):
    """A Compose entrypoint or command (list, or a string Compose splits like a shell)."""
    words = shlex.split(value) if isinstance(value, str) else list(value)
    return [kubernetes_literal(compose_text(name, word)) for word in words]


def environment(name, environment):
    if isinstance(environment, dict):
        items = list(environment.items())
    else:
        items = [[*str(entry).split("=", 1), None][:2] for entry in environment or []]
    env = []
    for key, value in items:
        if value is None:
            raise KubernetesManifestError(f"Service {name}: the variable {key} has no value to carry over.")
        env.append({"name": str(key), "value": kubernetes_literal(compose_text(name, value))})
    return env


def probe(name, healthcheck):
    """A readiness probe for a Compose healthcheck; None when there is none."""
    if not isinstance(healthcheck, dict) or healthcheck.get("disable"):
        return None
    test = healthcheck.get("test")
    if isinstance(test, str):
        test = ["CMD-SHELL", test]
    if not test or test[0] == "NONE":
        return None
    if test[0] == "CMD":
        command = [compose_text(name, word) for word in test[1:]]
    elif test[0] == "CMD-SHELL" and len(test) == 2:
        command = ["/bin/sh", "-c", compose_text(name, test[1])]
    else:
        raise KubernetesManifestError(f"Service {name}: cannot carry the healthcheck test {test!r}.")
    return {
        "exec": {"command": [kubernetes_literal(word) for word in command]},
        "periodSeconds": seconds(name, healthcheck.get("interval"), 30),
        "timeoutSeconds": seconds(name, healthcheck.get("timeout"), 30),
        "failureThreshold": int(healthcheck.get("retries", 3)),
        "successThreshold": 1,
    }


def ports(name, ports):
    """Container ports: the target of each Compose port (the host side has no meaning here)."""
    result = []
    for entry in ports or []:
        if isinstance(entry, dict):
            target, protocol = entry.get("target"), entry.get("protocol") or "tcp"
        else:
            match = PORT.match(str(entry))
            if not match:
                raise KubernetesManifestError(
                    f"Service {name}: cannot carry the port {entry!r} to Kubernetes."
                )
            target, protocol = match["target"], match["protocol"] or "tcp"
        result.append({"containerPort": int(target), "protocol": protocol.upper()})
    return result


def security_context(name, source):
    context = {}
    options = [str(option).replace("=", ":") for option in source.get("security_opt") or []]
    for option in options:
        if option in ("no-new-privileges", "no-new-privileges:true"):
            context["allowPrivilegeEscalation"] = False
        else:
            raise KubernetesManifestError(f"Service {name}: cannot carry the security option {option!r}.")
    capabilities = {}
    if source.get("cap_drop"):
        capabilities["drop"] = [str(cap) for cap in source["cap_drop"]]
    if source.get("cap_add"):
        capabilities["add"] = [str(cap) for cap in source["cap_add"]]
    if capabilities:
        context["capabilities"] = capabilities
    return context


def volume_entries(name, volumes):
    """(source, target, read only, is a bind mount) of each Compose volume of a service."""
    for volume in volumes or []:
        if isinstance(volume, str):
            source, rest = [*volume.split(":", 1), ""][:2]
            yield source, rest.split(":")[0], rest.endswith(":ro"), source.startswith(("/", "./", "../"))
        else:
            yield (
                volume.get("source", ""),
                volume.get("target", ""),
                bool(volume.get("read_only")),
                volume.get("type") == "bind",
            )
