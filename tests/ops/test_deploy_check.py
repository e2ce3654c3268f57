"""`manage.py check --deploy` with DEBUG off, and the production settings it implies."""

from ._prod import manage, production_settings


def test_check_deploy_passes_with_production_environment():
    result = manage("check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_fails_in_development_mode():
    # Proves the check above can fail: DEBUG on is a deploy warning.
    result = manage("check", "--deploy", "--fail-level", "WARNING", DEBUG="1")

    assert result.returncode != 0
    assert "security.W018" in result.stderr + result.stdout


def test_production_settings_secure_cookies_hsts_and_redirect():
    values = production_settings(
        "DEBUG",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_REDIRECT_EXEMPT",
    )

    assert values == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SECURE_REDIRECT_EXEMPT": ["^healthz$"],
    }


def test_production_settings_plain_http_overrides_for_loopback():
    values = production_settings(
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
    )

    assert values == {"SESSION_COOKIE_SECURE": False, "CSRF_COOKIE_SECURE": False, "SECURE_SSL_REDIRECT": False}


def test_production_settings_postgres_pool_redis_cache_and_channel_layer():
    values = production_settings("DATABASES", "CACHES", "CHANNEL_LAYERS", "CHANNEL_LAYER")

    db = values["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert db["OPTIONS"]["pool"] == {"min_size": 2, "max_size": 20, "timeout": 10}
    assert (db["CONN_MAX_AGE"], db["CONN_HEALTH_CHECKS"]) == (0, True)
    # Prepared statements: PostgreSQL plans the hot reads once per connection.
    assert (db["OPTIONS"]["server_side_binding"], db["OPTIONS"]["prepare_threshold"]) == (True, 5)
    cache = values["CACHES"]["default"]
    # One Redis client per process, not one per request (community.cache).
    assert (cache["BACKEND"], cache["LOCATION"]) == (
        "community.cache.RedisCache",
        "redis://127.0.0.1:6379/0",
    )
    assert values["CHANNEL_LAYER"] == "core"
    assert values["CHANNEL_LAYERS"]["default"] == {
        # channels-redis's list layer, group_send in two round trips (community.channel_layers).
        "BACKEND": "community.channel_layers.RedisChannelLayer",
        "CONFIG": {
            "hosts": ["redis://127.0.0.1:6379/0"],
            "prefix": "alumni",
            "capacity": 1000,
            "channel_capacity": {"hub.*": 50000},
            "expiry": 60,
            "group_expiry": 7 * 86400,
        },
    }


def test_prepared_statements_can_be_turned_off_for_a_pooler():
    db = production_settings("DATABASES", DATABASE_PREPARED_STATEMENTS="0")["DATABASES"]["default"]
    assert "server_side_binding" not in db["OPTIONS"]
    assert "prepare_threshold" not in db["OPTIONS"]


def test_production_settings_pubsub_layer_can_be_chosen():
    values = production_settings("CHANNEL_LAYERS", CHANNEL_LAYER="pubsub")

    assert values["CHANNEL_LAYERS"]["default"] == {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {
            "hosts": ["redis://127.0.0.1:6379/0"],
            "prefix": "alumni",
        },
    }


def test_production_settings_core_layer_capacity_and_sharding():
    values = production_settings(
        "CHANNEL_LAYERS",
        CHANNEL_REDIS_URLS="redis://10.0.0.1:6379/0,redis://10.0.0.2:6379/0",
        CHANNEL_CAPACITY="5000",
    )

    config = values["CHANNEL_LAYERS"]["default"]["CONFIG"]
    assert values["CHANNEL_LAYERS"]["default"]["BACKEND"] == "community.channel_layers.RedisChannelLayer"
    assert config == {
        "hosts": [
            "redis://10.0.0.1:6379/0",
            "redis://10.0.0.2:6379/0",
        ],
        "prefix": "alumni",
        "capacity": 5000,
        "channel_capacity": {"hub.*": 50000},
        "expiry": 60,
        "group_expiry": 7 * 86400,
    }


def test_production_settings_hashed_static_files_through_whitenoise():
    values = production_settings("STORAGES", "MIDDLEWARE", "WHITENOISE_USE_FINDERS")

    assert values["STORAGES"]["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert values["MIDDLEWARE"][:2] == [
        "django.middleware.security.SecurityMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
    ]
    assert values["WHITENOISE_USE_FINDERS"] is False


def test_missing_secret_key_with_debug_off_stops_the_process():
    result = manage("check", SECRET_KEY="")

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_bad_channel_layer_name_stops_the_process():
    result = manage("check", CHANNEL_LAYER="rabbit")

    assert result.returncode != 0
    assert "CHANNEL_LAYER must be pubsub or core" in result.stderr
