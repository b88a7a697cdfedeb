"""Rewriting the network for inference, computing the same function with less work.

- BatchNorm folding: a BN after a conv (every block, the stem, the head
  layers) folds into that conv; a BN before an unpadded conv (the 2x2
  downsamplings) folds into the conv after it. The backbone's final BN
  precedes a padded conv, where folding would change the borders, so it stays.
- The final 1x1 conv before the last upsampling (M and L): the head ends
  ``final_layer(upsample(x))``. A 1x1 conv and a bilinear upsampling are both
  linear, and bilinear weights sum to 1, so this equals
  ``upsample(final_layer(x))``, which runs the largest layer of the network
  (joints x depth bins outputs) at a quarter of the pixels.
"""

from __future__ import annotations

import copy

from .network import Block, ConvNeXtPose, HeadLayer
from .torch_loader import torch

nn, F = torch.nn, torch.nn.functional
fuse_conv_bn_eval = torch.nn.utils.fusion.fuse_conv_bn_eval

__all__ = ["fold_batchnorm", "final_conv_before_upsample", "optimize_for_inference"]


def _fold_bn_into_following_conv(bn: nn.BatchNorm2d, conv: nn.Conv2d) -> nn.Conv2d:
    """conv(bn(x)) as one conv; valid only for an unpadded conv."""
    assert conv.padding in ((0, 0), "valid") and conv.groups == 1
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    shift = bn.bias - bn.running_mean * scale
    fused = copy.deepcopy(conv)
    fused.weight.data = conv.weight * scale[None, :, None, None]
    fused.bias.data = conv.bias + (conv.weight * shift[None, :, None, None]).sum(dim=(1, 2, 3))
    return fused


@torch.no_grad()
def fold_batchnorm(model: ConvNeXtPose) -> ConvNeXtPose:
    """Return an eval-mode copy of ``model`` with BatchNorm folded into its convolutions.

    The copy computes the same function (to float rounding) with fewer layers.
    """
    fused = copy.deepcopy(model).eval()
    for module in fused.modules():
        if isinstance(module, (Block, HeadLayer)):
            module.dwconv = fuse_conv_bn_eval(module.dwconv, module.norm)
            module.norm = nn.Identity()
    layers = fused.backbone.downsample_layers
    layers[0] = fuse_conv_bn_eval(layers[0][0], layers[0][1])
    for i in range(1, len(layers)):
        layers[i] = _fold_bn_into_following_conv(layers[i][0], layers[i][1])
    return fused


class _Upsample2x(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=True)


def final_conv_before_upsample(model: ConvNeXtPose) -> ConvNeXtPose:
    """Move the final 1x1 conv ahead of the head's last upsampling, in place (see the module docstring)."""
    last = model.head.deconv_layers_3
    if last.upsample:
        last.upsample = False
        model.head.final_layer = nn.Sequential(model.head.final_layer, _Upsample2x())
    return model


def optimize_for_inference(model: ConvNeXtPose) -> ConvNeXtPose:
    """An eval-mode copy of ``model`` with every rewrite of this module applied."""
    return final_conv_before_upsample(fold_batchnorm(model))
