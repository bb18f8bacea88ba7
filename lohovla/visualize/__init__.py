"""What a user looks at: annotated episode videos, per-step explanation images and contact sheets."""
