"""Copy the pinned front-end files from node_modules into var/vendor (served by whitenoise)."""

import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# source in node_modules → destination under var/vendor/
FILES = {
    "htmx.org/dist/htmx.min.js": "vendor/htmx/htmx.min.js",
    "bootstrap/dist/css/bootstrap.min.css": "vendor/bootstrap/bootstrap.min.css",
    "bootstrap/dist/js/bootstrap.bundle.min.js": "vendor/bootstrap/bootstrap.bundle.min.js",
    "echarts/dist/echarts.min.js": "vendor/echarts/echarts.min.js",
    "leaflet/dist/leaflet.js": "vendor/leaflet/leaflet.js",
    "leaflet/dist/leaflet.css": "vendor/leaflet/leaflet.css",
    "leaflet/dist/images": "vendor/leaflet/images",
}


class Command(BaseCommand):
    help = "Vendor front-end assets from node_modules into var/vendor."

    def handle(self, *args: Any, **options: Any) -> None:
        source_root = Path(settings.BASE_DIR) / "node_modules"
        target_root = Path(settings.STATICFILES_DIRS[0])
        for source, target in FILES.items():
            src, dst = source_root / source, target_root / target
            if not src.exists():
                raise CommandError(f"{src} is missing: run npm ci first")
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, dst, dirs_exist_ok=True)
            else:
                shutil.copy2(src, dst)
                # Source maps travel with their files: the production manifest storage
                # follows every sourceMappingURL and refuses a missing one.
                source_map = src.with_name(src.name + ".map")
                if source_map.exists():
                    shutil.copy2(source_map, dst.with_name(dst.name + ".map"))
        self.stdout.write(f"vendored {len(FILES)} assets into {target_root}")
