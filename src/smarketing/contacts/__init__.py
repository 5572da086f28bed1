"""The shared record: accounts, contacts, deals, activities and the stage history."""
