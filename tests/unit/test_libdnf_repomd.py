"""The libdnf room's reading of a repository's repomd.xml (``repomd_files``): what the
plugin sends, from its progress hook, instead of asking libdnf about a repository libdnf
is loading (that crashed microdnf)."""

from rocm_notice.frontends.libdnf.run import repomd_files

REPOMD = """<?xml version="1.0" encoding="UTF-8"?>
<repomd xmlns="http://linux.duke.edu/metadata/repo">
  <revision>1</revision>
  <data type="primary"><location href="repodata/abc-primary.xml.zst"/></data>
  <data type="filelists"><location href="repodata/def-filelists.xml.zst"/></data>
  <data type="other"><location href="repodata/ghi-other.xml.zst"/></data>
</repomd>
"""


def cached(tmp_path, text, files=("abc-primary.xml.zst", "def-filelists.xml.zst")):
    repodata = tmp_path / "repo" / "repodata"
    repodata.mkdir(parents=True)
    (repodata / "repomd.xml").write_text(text)
    for name in files:
        (repodata / name).write_bytes(b"")
    return str(repodata / "repomd.xml")


def test_the_primary_and_filelists_it_names_in_the_cache(tmp_path):
    repomd = cached(tmp_path, REPOMD)
    top = tmp_path / "repo" / "repodata"
    assert repomd_files(repomd) == {"primary": str(top / "abc-primary.xml.zst"),
                                    "filelists": str(top / "def-filelists.xml.zst")}


def test_a_file_not_downloaded_is_left_out(tmp_path):
    """libdnf fetches filelists only when asked: the sack is loaded without them."""
    repomd = cached(tmp_path, REPOMD, files=("abc-primary.xml.zst",))
    assert list(repomd_files(repomd)) == ["primary"]


def test_a_location_outside_the_repository_or_an_unreadable_file_gives_nothing(tmp_path):
    hostile = REPOMD.replace("repodata/abc-primary.xml.zst", "../../../etc/shadow").replace(
        "repodata/def-filelists.xml.zst", "/etc/passwd")
    assert repomd_files(cached(tmp_path, hostile)) == {}
    (tmp_path / "broken.xml").write_text("<repomd")
    assert repomd_files(str(tmp_path / "broken.xml")) == {}
    assert repomd_files(str(tmp_path / "none.xml")) == {}
    assert repomd_files(None) == {}
