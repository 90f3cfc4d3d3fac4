"""The member portal's shipment pages: the list, the detail and the dispatcher's event form."""
