import pytest

import pose
from pose.model.variants import VARIANTS, get_variant


@pytest.mark.parametrize("name", list(VARIANTS))
def test_parameter_count_matches_table(name):
    model = pose.build_model(name)
    assert sum(p.numel() for p in model.parameters()) == VARIANTS[name].params


def test_table_holds_the_paper_figures():
    assert {n: v.mpjpe_mm for n, v in VARIANTS.items()} == {"XS": 56.61, "S": 51.80, "M": 51.05, "L": 49.75}
    assert VARIANTS["M"].pa_mpjpe_mm == 34.5 and VARIANTS["L"].pa_mpjpe_mm == 32.8
    assert VARIANTS["M"].gflops == 2.82 and VARIANTS["L"].gflops == 4.30


def test_get_variant_is_case_insensitive_and_rejects_unknown():
    assert get_variant("xs") is VARIANTS["XS"]
    with pytest.raises(ValueError, match="XS, S, M, L"):
        get_variant("XL")


def test_config_matches_conformance(golden):
    for name, ref in golden["variants"].items():
        v = VARIANTS[name]
        cfg = ref["config"]
        assert list(v.depths) == cfg["depths"] and list(v.dims) == cfg["dims"]
        assert v.head_channels == cfg["depth"] and v.depth_bins == cfg["depth_dim"]
        assert list(v.head_upsample) == cfg["upsample"] and list(v.heatmap_size) == cfg["output_shape"]
        assert v.params == ref["params"]
