"""`import_csv`, the command's first name, kept so that scripts calling it go on working."""

from rapport.data.management.commands.import_file import Command as ImportFileCommand


class Command(ImportFileCommand):
    help = f"Alias of import_file. {ImportFileCommand.help}"
