"""The machine's AMD GPUs from sysfs, and what a ROCm line change means for them."""

import pytest

from rocm_notice.core import gpu
from rocm_notice.catalog import known
from rocm_notice.catalog.releases import Line

CPU_NODE = "cpu_cores_count 16\nsimd_count 0\ngfx_target_version 0\nvendor_id 0\n"


def gpu_node(version):
    return ("cpu_cores_count 0\nsimd_count 440\ngfx_target_version %d\nvendor_id 4098\n"
            "device_id 29631\n" % version)


def sysfs(root, *nodes):
    """A KFD topology tree under ``root``: one node directory per properties text."""
    base = root.joinpath(*gpu.NODES.split("/"))
    base.mkdir(parents=True)
    for number, text in enumerate(nodes):
        (base / str(number)).mkdir()
        (base / str(number) / "properties").write_text(text)
    return base


# -- the name formula -----------------------------------------------------------------

@pytest.mark.parametrize("version, name", [
    (90010, "gfx90a"), (90402, "gfx942"), (90500, "gfx950"),
    (110000, "gfx1100"), (100300, "gfx1030"), (120001, "gfx1201"), (90012, "gfx90c"),
])
def test_target_version_becomes_the_llvm_gfx_name(version, name):
    assert gpu.gfx_name(version) == name


@pytest.mark.parametrize("version", [0, 99, 91000, 90016, 1000000])
def test_numbers_no_gpu_carries_have_no_name(version):
    assert gpu.gfx_name(version) is None


# -- reading sysfs --------------------------------------------------------------------

def test_cpu_only_machine_has_no_gpu(tmp_path):
    sysfs(tmp_path, CPU_NODE, CPU_NODE)
    assert gpu.read_targets(str(tmp_path)) == []


def test_two_gpus_are_both_listed_beside_the_cpu(tmp_path):
    sysfs(tmp_path, CPU_NODE, gpu_node(90402), gpu_node(90010))
    assert gpu.read_targets(str(tmp_path)) == ["gfx90a", "gfx942"]


def test_identical_gpus_are_listed_once(tmp_path):
    sysfs(tmp_path, CPU_NODE, *[gpu_node(90402)] * 8)
    assert gpu.read_targets(str(tmp_path)) == ["gfx942"]


@pytest.mark.parametrize("text", [
    "", "gfx_target_version\n", "gfx_target_version abc\n", "gfx_target_version -90010\n",
    "gfx_target_version 0x1600a\n", "gfx_target_version 99999999999999999999\n",
    "gfx_target_version 90_010\n", "gfx_target_version 9.0010\n", "x gfx_target_version 90010\n",
    "\x00\xff\xfe garbage \u0663",
])
def test_garbage_node_means_no_gpu_and_no_error(tmp_path, text):
    sysfs(tmp_path, CPU_NODE, text)
    assert gpu.read_targets(str(tmp_path)) == []


def test_undecodable_bytes_around_the_target_line_do_not_hide_it(tmp_path):
    base = sysfs(tmp_path, CPU_NODE)
    (base / "1").mkdir()
    (base / "1" / "properties").write_bytes(b"name \xff\xfe\ngfx_target_version 110000\n")
    assert gpu.read_targets(str(tmp_path)) == ["gfx1100"]


def test_properties_that_is_a_directory_is_skipped(tmp_path):
    base = sysfs(tmp_path, gpu_node(90010))
    (base / "1" / "properties").mkdir(parents=True)
    assert gpu.read_targets(str(tmp_path)) == ["gfx90a"]


def test_node_without_properties_is_skipped(tmp_path):
    base = sysfs(tmp_path, gpu_node(90500))
    (base / "1").mkdir()
    (base / "stray-file").write_text("gfx_target_version 90010\n")
    assert gpu.read_targets(str(tmp_path)) == ["gfx950"]


def test_missing_sysfs_means_no_gpu(tmp_path):
    assert gpu.read_targets(str(tmp_path)) == []
    assert gpu.read_targets(str(tmp_path / "absent")) == []


def test_nodes_path_that_is_a_file_means_no_gpu(tmp_path):
    nodes = tmp_path.joinpath(*gpu.NODES.split("/"))
    nodes.parent.mkdir(parents=True)
    nodes.write_text("gfx_target_version 90010\n")
    assert gpu.read_targets(str(tmp_path)) == []


def test_root_defaults_to_the_real_machine_and_never_raises():
    assert isinstance(gpu.read_targets(), list)


# -- support notes ----------------------------------------------------------------------

KNOWN = {
    Line(6, 4): {"gpu_added": "gfx1200 gfx1201", "gpu_dropped": ""},
    Line(7, 0): {"gpu_added": "gfx950", "gpu_dropped": "gfx940 gfx941"},
    Line(7, 1): {"gpu_added": "", "gpu_dropped": ""},
    Line(7, 2): {"notes": "https://example.invalid/7.2"},
}


def test_target_added_in_a_crossed_line_warns_about_staying():
    notes = gpu.support_notes(["gfx950"], Line(6, 4), Line(7, 1), KNOWN)
    assert notes == ["gfx950 is supported from ROCm 7.0: staying on 6.4 leaves it unsupported"]


def test_target_dropped_in_a_crossed_line_warns_about_moving():
    notes = gpu.support_notes(["gfx940", "gfx90a"], Line(6, 4), Line(7, 1), KNOWN)
    assert notes == ["gfx940 is dropped in ROCm 7.0: moving to 7.1 leaves it unsupported"]


def test_only_this_machines_targets_are_mentioned():
    assert gpu.support_notes(["gfx90a", "gfx1100"], Line(6, 4), Line(7, 1), KNOWN) == []


def test_the_installed_line_itself_is_not_a_change():
    assert gpu.support_notes(["gfx950", "gfx1201"], Line(7, 0), Line(7, 1), KNOWN) == []


def test_the_target_line_itself_counts():
    notes = gpu.support_notes(["gfx941"], Line(6, 4), Line(7, 0), KNOWN)
    assert notes == ["gfx941 is dropped in ROCm 7.0: moving to 7.0 leaves it unsupported"]


@pytest.mark.parametrize("installed, target", [
    (Line(7, 1), Line(7, 2)), (Line(7, 2), Line(8, 0)), (Line(7, 2), Line(10, 0)),
])
def test_lines_with_nothing_known_say_nothing(installed, target):
    assert gpu.support_notes(["gfx950", "gfx940"], installed, target, KNOWN) == []


def test_no_known_data_or_no_line_says_nothing():
    assert gpu.support_notes(["gfx950"], Line(6, 4), Line(7, 1), {}) == []
    assert gpu.support_notes(["gfx950"], None, Line(7, 1), KNOWN) == []
    assert gpu.support_notes(["gfx950"], Line(6, 4), None, KNOWN) == []


def test_machine_without_gpu_gets_no_notes():
    assert gpu.support_notes([], Line(6, 4), Line(7, 1), KNOWN) == []


def test_shipped_data_knows_gfx950_arrives_between_6_4_and_7_1():
    notes = gpu.support_notes(["gfx950", "gfx942"], Line(6, 4), Line(7, 1), known.load())
    assert notes == ["gfx950 is supported from ROCm 7.0: staying on 6.4 leaves it unsupported"]


def test_going_back_below_the_line_that_added_a_target_warns():
    notes = gpu.support_notes(["gfx950", "gfx941"], Line(7, 1), Line(6, 4), KNOWN)
    assert notes == ["gfx950 is supported from ROCm 7.0: going back to 6.4 leaves it "
                     "unsupported"]                  # gfx941 regains support: no note


def test_going_back_to_the_line_that_added_a_target_keeps_it():
    assert gpu.support_notes(["gfx950"], Line(7, 1), Line(7, 0), KNOWN) == []
