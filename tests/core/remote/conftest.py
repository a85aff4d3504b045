from tests.support.gitserve import git_daemon, git_http, git_user_env
from tests.support.services import service

__all__ = ["git_daemon", "git_http", "git_user_env", "service"]
