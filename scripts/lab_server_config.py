"""The Jupyter server settings of `make lab`, which the UI tests load too (one file, so the
product the tests check is the product a user starts).

Nothing here is about the Docker engine: the extension finds out by itself whether the
engine has a bridge network (the private engine `make lab` starts has none) and uses the
host's network on loopback where it does not.
"""

# Lab's news and update checks would try to reach the internet, which these machines cannot.
c.LabApp.news_url = None  # noqa: F821 (c is provided by the config loader)
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"  # noqa: F821
c.ServerApp.port_retries = 0  # noqa: F821
