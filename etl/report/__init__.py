"""What a run tells: its report, the summary for people, the next step for a refusal."""
