"""
=====================================================
Iris: ESM-EM beside GaussianMixture
=====================================================

The classic first Gaussian-mixture example fits
:class:`~sklearn.mixture.GaussianMixture` with three components to the first
two features of the Iris data (sepal length and width), because Iris has
three species. :class:`~sklearn_esmem.EvolutionarySplitMergeMixture` is not
told the number of components: it chooses it by MDL. Both are fitted here,
and for each we print what the classic example prints: the means, the
covariances, the converged log-likelihood and the number of EM iterations.
"""

# %%
# The data: 150 flowers, two features
# -----------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_iris
from sklearn.mixture import GaussianMixture

from sklearn_esmem import EvolutionarySplitMergeMixture
from sklearn_esmem.plotting import plot_mixture

iris = load_iris()
X = iris.data[:, :2]
feature_names = iris.feature_names[:2]
print(X.shape, feature_names)

# %%
# Two fits
# --------
# ``GaussianMixture`` is given k = 3. ESM-EM searches k from 1 to
# ``ceil(sqrt(150)) = 13`` with its default settings.
gm = GaussianMixture(n_components=3, random_state=0).fit(X)
esm = EvolutionarySplitMergeMixture(random_state=0).fit(X)
print(f"GaussianMixture: k = {gm.n_components}")
print(f"ESM-EM:          k = {esm.n_components_} (chosen by MDL)")

# %%
# What each found
# ---------------
# ``lower_bound_`` is the mean log-likelihood per sample, so the converged
# log-likelihood of the data is ``lower_bound_ * n_samples``. For ESM-EM,
# ``n_iter_`` counts the iterations of the final EM that polishes the best
# mixture of the search, and ``n_em_iter_total_`` the EM iterations of the
# search itself.
np.set_printoptions(precision=3, suppress=True)
for name, est in [("GaussianMixture", gm), ("ESM-EM", esm)]:
    print(f"--- {name}")
    print("means:\n", est.means_)
    print("covariances:\n", est.covariances_)
    print(f"converged log-likelihood: {est.lower_bound_ * X.shape[0]:.2f}")
    print(f"EM iterations: {est.n_iter_}")
    print(f"BIC: {est.bic(X):.2f}")
print(
    f"ESM-EM search: {esm.n_em_iter_total_} EM iterations over "
    f"{esm.n_generations_} generations"
)

# %%
# The clusters and their 95 % ellipses
# ------------------------------------
# Points are coloured by the most probable component; each ellipse holds
# 95 % of its component's probability mass. The right panel colours the
# points by species instead, for comparison.
fig, axes = plt.subplots(
    1, 3, figsize=(14, 4.2), sharex=True, sharey=True, layout="constrained"
)
plot_mixture(gm, X, ax=axes[0])
axes[0].set_title(f"GaussianMixture, k = 3, BIC {gm.bic(X):.1f}")
plot_mixture(esm, X, ax=axes[1])
axes[1].set_title(f"ESM-EM, k = {esm.n_components_}, BIC {esm.bic(X):.1f}")
plot_mixture(esm, X, ax=axes[2], labels=iris.target)
axes[2].set_title("ESM-EM's ellipses, points by species")
for ax in axes:
    ax.set_xlabel(feature_names[0])
    ax.set_ylabel("")
axes[0].set_ylabel(feature_names[1])
plt.show()

# %%
# ESM-EM keeps *Iris setosa* as one component and models *versicolor* and
# *virginica* together: on sepal length and width alone these two species
# overlap heavily, so the data do not say "three groups" as clearly as the
# species list does. MDL weighs the likelihood gained by each extra component
# against its six parameters (two for the mean, three for the covariance, one
# for the weight), and here a third component does not pay for itself: the
# two-component mixture has the lower BIC, although its log-likelihood is
# slightly lower. To force three components, pass ``min_components=3``.
