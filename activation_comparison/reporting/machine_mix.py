"""Which machines a folder's runs ran on, in one sentence, where they were not all alike.

The same seed gives the same numbers only on the same CPU type with the same library
versions (and thread count), so a folder whose runs ran on several says so. Each history
records its `machine` (CPU model and vector extensions, intra-op threads, library
versions); histories from before it was recorded have none.
"""

import re

from activation_comparison.reporting.verdict_text import join_words, plural

# The vector extension that best tells CPUs apart, most capable first (hardware.cpu_features).
FEATURE_WORDS = (("amx_bf16", "AMX"), ("avx512_bf16", "AVX-512 BF16"), ("avx512f", "AVX-512"), ("avx2", "AVX2"),
                 ("sve", "SVE"), ("asimd", "NEON"))  # fmt: skip


def cpu_words(machine: dict) -> str:
    """'Intel Xeon Platinum 8488C (AMX)': the model without trademarks, clock or 'CPU', and
    its most telling vector extension."""
    model = re.sub(r"\((R|TM|tm|r)\)|\bCPU\b|@.*$|\s+\d+-Core Processor", " ", machine.get("cpu_model") or "unknown CPU")
    model = " ".join(model.split())
    feature = next((word for flag, word in FEATURE_WORDS if flag in (machine.get("cpu_features") or [])), None)
    return f"{model} ({feature})" if feature else model


# The libraries named where every run had the same versions: the ones that compute.
MAIN_LIBRARIES = ("keras", "tensorflow", "torch", "jax")


def counted(groups: dict[str, int], preposition: str = "on") -> str:
    """'18 on A and 21 on B' for the groups' run counts, the largest first."""
    ordered = sorted(groups.items(), key=lambda item: -item[1])
    return join_words([f"{count} {preposition} {name}" for name, count in ordered])


def tally(machines: list[dict], words) -> dict[str, int]:
    groups: dict[str, int] = {}
    for machine in machines:
        groups[words(machine)] = groups.get(words(machine), 0) + 1
    return groups


def machine_sentence(histories: list[dict]) -> str | None:
    """'Runs ran on 2 CPU types: 21 on AMD EPYC (AVX-512 BF16) and 18 on Intel Xeon (AMX);
    keras 3.15.1 and tensorflow 2.21.0 throughout.' where the runs' CPU types, library
    versions or thread counts differ; None where they are alike or none recorded its machine."""
    machines = [history["machine"] for history in histories if history.get("machine")]
    versions = lambda machine: machine.get("versions") or {}  # noqa: E731
    differing = sorted(name for name in {key for machine in machines for key in versions(machine)}
                       if len({versions(machine).get(name) for machine in machines}) > 1)  # fmt: skip
    cpus = tally(machines, cpu_words)
    threads = tally(machines, lambda machine: plural(machine.get("intra_op_threads") or 0, "thread"))
    if len(cpus) <= 1 and not differing and len(threads) <= 1:
        return None
    parts = [f"Runs ran on {len(cpus)} CPU types: {counted(cpus)}" if len(cpus) > 1 else f"Runs ran on {next(iter(cpus))}"]
    if differing:
        words = lambda machine: ", ".join(f"{name} {versions(machine).get(name)}" for name in differing)  # noqa: E731
        parts.append(f"library versions differ: {counted(tally(machines, words), 'with')}")
    else:
        main = [f"{name} {versions(machines[0])[name]}" for name in MAIN_LIBRARIES if name in versions(machines[0])]
        parts.append(f"{join_words(main)} throughout" if main else "the same library versions throughout")
    if len(threads) > 1:
        parts.append(f"threads per run differ: {counted(threads, 'with')}")
    if len(machines) < len(histories):
        parts.append(f"{plural(len(histories) - len(machines), 'run')} did not record its machine")
    return "; ".join(parts) + "."
