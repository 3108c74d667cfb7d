"""Science modules behind the studies: exact references (quadrature of stationary laws, expansions),
study tasks and study-specific figures. Import the submodules directly, e.g.
``from ratesim.theory import stationary``; this package imports nothing eagerly.
"""
