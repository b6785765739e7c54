"""Self-service onboarding: `modelops new-team` and the generated per-team docs."""
