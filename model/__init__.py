"""Sentence encoders: loading, the offline default, training and evaluation."""
