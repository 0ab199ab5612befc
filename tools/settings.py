"""PlayGenie settings: read once at the edge (CLI, bot, server) and passed in.

An explicit value beats the environment, and the environment beats the default.
Every field names its environment variable (prefix ``PLAYGENIE_``).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data() -> Path:
    # The repository sits beside ../shared/data on a developer's machine and in CI.
    here = Path(__file__).resolve().parents[1]
    return here.parent / "shared" / "data" / "spotify_songs.csv"


class Settings(BaseSettings):
    """Everything PlayGenie can be configured with."""

    model_config = SettingsConfigDict(env_prefix="PLAYGENIE_", extra="ignore", frozen=True)

    data: Path = Field(default_factory=_default_data, description="spotify_songs.csv (PLAYGENIE_DATA).")
    home: Path = Field(
        default_factory=lambda: Path.home() / ".playgenie",
        description="Folder for built artifacts: catalog cache, embeddings, index, models (PLAYGENIE_HOME).",
    )
    data_url: str = Field(
        default="https://raw.githubusercontent.com/rfordatascience/tidytuesday/master/data/2020/2020-01-21/spotify_songs.csv",
        description="Public copy downloaded when no local file exists (PLAYGENIE_DATA_URL).",
    )

    # Qdrant: embedded engine by default, a server when a URL is set.
    qdrant_url: str | None = Field(default=None, description="Qdrant server URL (PLAYGENIE_QDRANT_URL).")
    qdrant_api_key: str | None = Field(default=None, description="Qdrant API key (PLAYGENIE_QDRANT_API_KEY).")
    qdrant_path: Path | None = Field(
        default=None, description="Folder of the embedded Qdrant shard; default <home>/qdrant (PLAYGENIE_QDRANT_PATH)."
    )
    collection: str = Field(default="tracks", description="Qdrant collection name (PLAYGENIE_COLLECTION).")
    qdrant_shards: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Shards of the collection on a Qdrant server, spread over a cluster's "
        "nodes; a change rebuilds the collection (PLAYGENIE_QDRANT_SHARDS).",
    )
    qdrant_replicas: int = Field(
        default=1,
        ge=1,
        le=16,
        description="Copies of each shard on a Qdrant cluster: a node can fail and "
        "searches go on; a change rebuilds the collection (PLAYGENIE_QDRANT_REPLICAS).",
    )

    # LLM: any OpenAI-compatible endpoint; none means the offline path.
    llm_base_url: str | None = Field(default=None, description="OpenAI-compatible base URL (PLAYGENIE_LLM_BASE_URL).")
    llm_api_key: str | None = Field(default=None, description="API key for the LLM endpoint (PLAYGENIE_LLM_API_KEY).")
    llm_model: str = Field(default="gpt-4o-mini", description="Model name at the endpoint (PLAYGENIE_LLM_MODEL).")
    llm_timeout_s: float = Field(
        default=20.0, gt=0, description="Per-call LLM timeout in seconds (PLAYGENIE_LLM_TIMEOUT_S)."
    )

    # Pipeline knobs.
    candidates: int = Field(
        default=300, ge=20, le=5000, description="Over-fetched candidates per request (PLAYGENIE_CANDIDATES)."
    )
    default_length: int = Field(
        default=20, ge=1, le=200, description="Playlist length when none is asked (PLAYGENIE_DEFAULT_LENGTH)."
    )
    cf_weight: float = Field(
        default=0.8,
        ge=0.0,
        le=1.0,
        description=(
            "Blend of CF affinity vs retrieval score in the rerank, chosen on a validation split (PLAYGENIE_CF_WEIGHT)."
        ),
    )
    max_per_artist: int = Field(default=2, ge=1, description="Artist cap per playlist (PLAYGENIE_MAX_PER_ARTIST).")
    vae_beta: float = Field(
        default=0.2, ge=0.0, description="Weight of the KL term in the VAE's ELBO (PLAYGENIE_VAE_BETA)."
    )

    # Storage for conversations.
    postgres_url: str | None = Field(
        default=None, description="Postgres URL for checkpoints and store (PLAYGENIE_POSTGRES_URL)."
    )
    chat_path: Path | None = Field(
        default=None,
        description="Folder of the SQLite conversations and long-term memory (chat.sqlite, memory.sqlite); default "
        "the home. Every `serve` process sharing it shares the conversations (PLAYGENIE_CHAT_PATH).",
    )
    thread_ttl_hours: float = Field(
        default=24 * 90,
        ge=0,
        description=(
            "Threads nobody wrote to for this long are deleted; 0 keeps them forever (PLAYGENIE_THREAD_TTL_HOURS)."
        ),
    )
    keep_checkpoints: int = Field(
        default=1,
        ge=1,
        le=100,
        description=(
            "Checkpoints kept per thread; the undo history lives inside the latest one (PLAYGENIE_KEEP_CHECKPOINTS)."
        ),
    )
    max_thread_bytes: int = Field(
        default=2_000_000,
        ge=100_000,
        description=(
            "A turn whose saved thread would be larger is refused, nothing changed (PLAYGENIE_MAX_THREAD_BYTES)."
        ),
    )

    # Front ends.
    telegram_token: str | None = Field(
        default=None, description="Telegram bot token (PLAYGENIE_TELEGRAM_TOKEN).", repr=False
    )
    slack_bot_token: str | None = Field(
        default=None, description="Slack bot token (PLAYGENIE_SLACK_BOT_TOKEN).", repr=False
    )
    slack_signing_secret: str | None = Field(
        default=None, description="Slack signing secret (PLAYGENIE_SLACK_SIGNING_SECRET).", repr=False
    )
    slack_app_token: str | None = Field(
        default=None,
        description="Slack app-level token (xapp-...) for Socket Mode: no public URL (PLAYGENIE_SLACK_APP_TOKEN).",
        repr=False,
    )
    api_key: str | None = Field(
        default=None,
        repr=False,
        description=(
            "The HTTP API's admin key: acts for the user_id a request names, forgets anyone (PLAYGENIE_API_KEY)."
        ),
    )
    auth_secret: str | None = Field(
        default=None,
        repr=False,
        min_length=32,
        description=(
            "Signs user tokens (`playgenie token USER`); set, every API request needs one (PLAYGENIE_AUTH_SECRET)."
        ),
    )

    @model_validator(mode="after")
    def _no_contradictions(self) -> "Settings":
        if self.qdrant_url and self.qdrant_path:
            raise ValueError(
                "Set either PLAYGENIE_QDRANT_URL (a server) or PLAYGENIE_QDRANT_PATH (embedded), not both."
            )
        return self

    @property
    def shard_path(self) -> Path:
        """Where the embedded Qdrant shard lives."""
        return self.qdrant_path or self.home / "qdrant"

    @property
    def chat_folder(self) -> Path:
        """Where the SQLite conversations and long-term memory live (unused with a Postgres URL)."""
        return self.chat_path or self.home

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url)
