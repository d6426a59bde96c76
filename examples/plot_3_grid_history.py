"""
=====================================================
Following the search on an overlapping 3 x 3 grid
=====================================================

Nine isotropic Gaussians on a 3 x 3 grid of spacing 1 with standard
deviation 0.22, 100 samples each: a reconstruction of the paper's 9Gauss
data, in which neighbouring components overlap and yet nine components
remain the MDL optimum. This example follows one ESM-EM search generation by
generation, from its ``history_``: the best criterion and its number of
components, the number of components of every mixture of the population,
and finally the winner's components.
"""

# %%
# The data and the fit
# --------------------
import matplotlib.pyplot as plt
import numpy as np

from sklearn_esmem import EvolutionarySplitMergeMixture
from sklearn_esmem.datasets import make_grid_mixture
from sklearn_esmem.plotting import plot_history, plot_mixture

X, y = make_grid_mixture(grid_size=3, std=0.22, random_state=0)
est = EvolutionarySplitMergeMixture(random_state=0).fit(X)
print(
    f"k = {est.n_components_} after {est.n_generations_} generations, "
    f"{est.n_em_iter_total_} EM iterations, MDL {est.criterion_:.1f}"
)

# %%
# ``history_`` has one record per generation:
for record in est.history_[:3]:
    print(record)

# %%
# The best criterion and its k, generation by generation
# ------------------------------------------------------
# :func:`~sklearn_esmem.plotting.plot_history` draws the best MDL so far
# (left axis, blue), the number of components of that best mixture (right
# axis, orange) and, in grey, the k of every mixture of the population.
ax = plot_history(est, x="generation")
ax.set_title("ESM-EM on the 3 x 3 grid")
plt.show()

# %%
# The population's k over time
# ----------------------------
# The initial population spreads k from 2 to ``ceil(sqrt(900)) = 30``. Splits
# and merges move every mixture, selection keeps the best ten, and the
# population closes in on k = 9. Each dot is one mixture of the population
# after selection; its size counts the mixtures with that k.
fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
for record in est.history_:
    ks, counts = np.unique(record["population_n_components"], return_counts=True)
    ax.scatter(
        np.full(len(ks), record["generation"]),
        ks,
        s=25 * counts,
        color="tab:blue",
        alpha=0.6,
    )
ax.axhline(9, color="0.5", linestyle="--", label="generating k = 9")
ax.set_xlabel("generation")
ax.set_ylabel("k of the population's mixtures")
ax.legend()
plt.show()

# %%
# Elapsed time per generation
# ---------------------------
# ``elapsed`` (seconds since the start of the search) tells how long each
# generation took: generations with many components cost more.
elapsed = np.array([record["elapsed"] for record in est.history_])
fig, ax = plt.subplots(figsize=(7, 3), layout="constrained")
ax.bar([r["generation"] for r in est.history_], np.diff(elapsed, prepend=0.0))
ax.set_xlabel("generation")
ax.set_ylabel("seconds")
plt.show()

# %%
# The winner
# ----------
# The best mixture, after the final EM, with the 95 % ellipse of each
# component.
ax = plot_mixture(est, X)
ax.set_aspect("equal")
ax.set_title(f"k = {est.n_components_}, MDL {est.criterion_:.1f}")
plt.show()
