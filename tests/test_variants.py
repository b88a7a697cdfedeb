import pytest

import pose
from pose.model.variants import VARIANTS, get_variant

# The paper's Table 5 (Nguyen et al., IEEE Access 2023): parameters in millions, rounded there to 0.01 M
# (our counts differ from its rounding by at most 0.013 M, the same for the reference implementation's).
PAPER_PARAMS_M = {"XS": 3.53, "S": 7.45, "M": 7.60, "L": 8.39}


@pytest.mark.parametrize("name", list(VARIANTS))
def test_built_network_matches_the_reference_and_the_paper(name, golden):
    ref = golden["variants"][name]
    model = pose.build_model(name)
    state = model.state_dict()
    # every tensor of the reference implementation, by name and shape, and nothing else
    assert {k: list(v.shape) for k, v in state.items()} == ref["state_dict"]
    params = sum(p.numel() for p in model.parameters())
    assert params == ref["params"]
    assert params / 1e6 == pytest.approx(PAPER_PARAMS_M[name], abs=0.015)
    assert VARIANTS[name].params == params  # the table the app shows


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


def test_every_estimator_has_one_title():
    from pose import BLAZEPOSE, ESTIMATORS, estimator_title

    assert [estimator_title(name) for name in ESTIMATORS] == [
        "ConvNeXtPose-XS", "ConvNeXtPose-S", "ConvNeXtPose-M", "ConvNeXtPose-L", BLAZEPOSE,
    ]  # fmt: skip
