from django.dispatch import Signal

# Sent by accounts.services.suspend_user after the suspension is saved; bookings listens
# and cancels the person's open bookings (accounts knows nothing of bookings).
user_suspended = Signal()  # arguments: user, actor, reason
