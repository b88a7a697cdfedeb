"""Accuracy and agreement measures for 3D poses."""

from __future__ import annotations

import numpy as np

__all__ = ["mpjpe", "procrustes_align", "pa_mpjpe", "mean_distance", "jitter"]


def mpjpe(pred: np.ndarray, gt: np.ndarray, root: int | None = 0) -> np.ndarray:
    """Per-joint position error (..., J) in the input's units, after aligning the roots (unless root is None)."""
    pred, gt = np.asarray(pred, float), np.asarray(gt, float)
    if root is not None:
        pred = pred - pred[..., root : root + 1, :]
        gt = gt - gt[..., root : root + 1, :]
    return np.linalg.norm(pred - gt, axis=-1)


def procrustes_align(pred: np.ndarray, gt: np.ndarray, scale: bool = False) -> np.ndarray:
    """``pred`` (J, 3) moved onto ``gt`` by the best rotation and translation (and scale, if asked).

    Without scale this is the reference implementation's ``rigid_align``,
    with which the paper's protocol 1 numbers were computed.
    """
    pred, gt = np.asarray(pred, float), np.asarray(gt, float)
    mu_p, mu_g = pred.mean(axis=0), gt.mean(axis=0)
    p, g = pred - mu_p, gt - mu_g
    u, s, vt = np.linalg.svd(p.T @ g)
    d = np.sign(np.linalg.det(vt.T @ u.T))
    correction = np.diag([1.0, 1.0, d])
    rotation = vt.T @ correction @ u.T
    factor = (s * np.diag(correction)).sum() / (p**2).sum() if scale else 1.0
    return factor * p @ rotation.T + mu_g


def pa_mpjpe(pred: np.ndarray, gt: np.ndarray, scale: bool = False) -> np.ndarray:
    """Per-joint error (J,) after Procrustes alignment of ``pred`` (J, 3) to ``gt``."""
    return np.linalg.norm(procrustes_align(pred, gt, scale) - np.asarray(gt, float), axis=-1)


def mean_distance(a: np.ndarray, b: np.ndarray, joints=None) -> np.ndarray:
    """Per-joint distance between two pose sequences (F, J, D), averaged over the frames where both exist: (J,)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if joints is not None:
        a, b = a[:, list(joints)], b[:, list(joints)]
    d = np.linalg.norm(a - b, axis=-1)
    with np.errstate(invalid="ignore"):
        return np.nanmean(d, axis=0) if np.isfinite(d).any() else np.full(d.shape[1], np.nan)


def jitter(seq: np.ndarray) -> np.ndarray:
    """Mean frame-to-frame displacement of each joint (J,) in a sequence (F, J, D); NaN frames are skipped."""
    seq = np.asarray(seq, float)
    steps = np.linalg.norm(np.diff(seq, axis=0), axis=-1)
    if not np.isfinite(steps).any():
        return np.full(seq.shape[1], np.nan)
    with np.errstate(invalid="ignore"):
        return np.nanmean(steps, axis=0)
