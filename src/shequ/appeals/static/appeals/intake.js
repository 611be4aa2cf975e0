// Intake of a request: place selects cascade, a map pin or "use my location", the
// out-of-scope notice and the "me too" list of open requests nearby.
(function () {
  "use strict";
  var nearby = document.getElementById("nearby");
  if (!nearby) { return; }
  var category = document.getElementById("id_category");
  var district = document.getElementById("id_district");
  var street = document.getElementById("id_street");
  var community = document.getElementById("id_community");
  var lon = document.getElementById("id_longitude");
  var lat = document.getElementById("id_latitude");
  var pinText = document.getElementById("pin-text");
  var outNotice = document.getElementById("out-of-scope");

  function fill(select, rows) {
    select.innerHTML = "";
    var empty = document.createElement("option");
    empty.value = ""; empty.textContent = "—";
    select.appendChild(empty);
    rows.forEach(function (row) {
      var o = document.createElement("option");
      o.value = row[0]; o.textContent = row[1];
      select.appendChild(o);
    });
  }
  function children(parent, select, then) {
    fetch(nearby.dataset.places + "?parent=" + encodeURIComponent(parent))
      .then(function (r) { return r.json(); })
      .then(function (data) { fill(select, data.children); if (then) { then(); } });
  }
  district.addEventListener("change", function () {
    fill(community, []);
    children(district.value, street);
  });
  street.addEventListener("change", function () { children(street.value, community, lookNearby); });
  community.addEventListener("change", lookNearby);

  function showScope() {
    var option = category.options[category.selectedIndex];
    if (option && option.dataset.out === "1") {
      outNotice.textContent = option.dataset.redirect;
      outNotice.classList.remove("d-none");
    } else {
      outNotice.classList.add("d-none");
    }
  }
  category.addEventListener("change", function () { showScope(); lookNearby(); });
  showScope();

  function lookNearby() {
    if (!category.value || !community.value) { nearby.innerHTML = ""; return; }
    var q = "?category=" + encodeURIComponent(category.value) +
      "&community=" + encodeURIComponent(community.value) +
      "&longitude=" + encodeURIComponent(lon.value) + "&latitude=" + encodeURIComponent(lat.value) +
      (nearby.dataset.join === "1" ? "&join=1" : "");
    fetch(nearby.dataset.url + q).then(function (r) { return r.text(); }).then(function (html) {
      nearby.innerHTML = html;
      nearby.dataset.checked = "1";
    });
  }

  var el = document.getElementById("intake-map");
  var marker = null, map = null;
  function setPin(latitude, longitude) {
    lat.value = latitude.toFixed(6); lon.value = longitude.toFixed(6);
    pinText.textContent = lon.value + ", " + lat.value;
    if (map) {
      if (marker) { marker.setLatLng([latitude, longitude]); }
      else { marker = L.circleMarker([latitude, longitude], { radius: 8, color: "#dc3545" }).addTo(map); }
    }
    lookNearby();
  }
  if (el && window.L) {
    map = L.map(el, { zoomSnap: 0.5 }).setView([30.65, 104.05], 11);
    if (el.dataset.tiles) { L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map); }
    fetch(el.dataset.districts).then(function (r) { return r.json(); }).then(function (geo) {
      var layer = L.geoJSON(geo, { style: { color: "#b02a37", weight: 1, fillOpacity: 0.1 } }).addTo(map);
      layer.on("click", function (e) { setPin(e.latlng.lat, e.latlng.lng); });
      el.dataset.ready = "1";
    });
    map.on("click", function (e) { setPin(e.latlng.lat, e.latlng.lng); });
    if (lat.value && lon.value) { setPin(parseFloat(lat.value), parseFloat(lon.value)); }
  }
  // Tests and the hotline desk may set a pin by hand: a custom event with the coordinates.
  document.addEventListener("shequ:pin", function (e) { setPin(e.detail.lat, e.detail.lon); });
  document.getElementById("use-location").addEventListener("click", function () {
    if (!navigator.geolocation) { return; }
    navigator.geolocation.getCurrentPosition(function (p) {
      setPin(p.coords.latitude, p.coords.longitude);
      if (map) { map.setView([p.coords.latitude, p.coords.longitude], 16); }
    });
  });
  lookNearby();
})();
