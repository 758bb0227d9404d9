from rapport.web.tests.fixtures import *  # noqa: F403  (the UI fixtures)
