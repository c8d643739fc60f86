"""Voice: transcribing residents' voice notes and speaking the bot's questions, offline."""
