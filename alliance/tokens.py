"""Invitation links: a token of their own, so a password-reset link never opens an invitation."""

from django.contrib.auth.tokens import PasswordResetTokenGenerator


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "alliance.tokens.InvitationTokenGenerator"


invitation_token_generator = InvitationTokenGenerator()
