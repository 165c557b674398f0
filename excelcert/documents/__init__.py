"""Documents: certificates, feedback letters and correction letters, rendered from Word templates."""
