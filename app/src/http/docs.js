'use strict';
(function () {
  var METHODS = ['get', 'post', 'put', 'patch', 'delete'];
  var main = document.getElementById('operations');
  var toc = document.getElementById('toc');
  var status = document.getElementById('status');
  var doc = null;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function refName(ref) { return ref.split('/').pop(); }

  function resolve(schema) {
    var seen = 0;
    while (schema && schema.$ref && seen < 20) {
      schema = (doc.components && doc.components.schemas || {})[refName(schema.$ref)];
      seen += 1;
    }
    return schema || {};
  }

  function typeText(schema) {
    if (!schema) { return ''; }
    if (schema.$ref) { return refName(schema.$ref); }
    if (schema.oneOf || schema.anyOf) {
      return (schema.oneOf || schema.anyOf).map(typeText).join(' | ');
    }
    if (schema.allOf) { return schema.allOf.map(typeText).join(' & '); }
    var types = Array.isArray(schema.type) ? schema.type : [schema.type || 'any'];
    var text = types.map(function (type) {
      if (type === 'array') { return typeText(schema.items) + '[]'; }
      if (type === 'object' && schema.additionalProperties && schema.additionalProperties !== true) {
        return '{ key: ' + typeText(schema.additionalProperties) + ' }';
      }
      return type;
    }).join(' | ');
    if (schema.format) { text += ' (' + schema.format + ')'; }
    if (schema.enum) { text += ': ' + schema.enum.filter(function (v) { return v !== null; }).join(', '); }
    return text;
  }

  function describe(schema) {
    var target = resolve(schema);
    var parts = [];
    if (schema.description) { parts.push(schema.description); } else if (target.description) { parts.push(target.description); }
    if (target.enum && schema.$ref) { parts.push('値: ' + target.enum.join(', ')); }
    if (target.pattern) { parts.push('形式: ' + target.pattern); }
    if (target.minimum !== undefined || target.maximum !== undefined) {
      parts.push('範囲: ' + (target.minimum !== undefined ? target.minimum : '') + '〜' + (target.maximum !== undefined ? target.maximum : ''));
    }
    return parts.join(' / ');
  }

  function objectParts(schema) {
    var target = resolve(schema);
    if (target.allOf) {
      var merged = { properties: {}, required: [] };
      target.allOf.forEach(function (part) {
        var inner = objectParts(part);
        Object.keys(inner.properties).forEach(function (k) { merged.properties[k] = inner.properties[k]; });
        merged.required = merged.required.concat(inner.required);
      });
      return merged;
    }
    return { properties: target.properties || {}, required: target.required || [] };
  }

  function elementSchema(schema) {
    var target = resolve(schema);
    var types = Array.isArray(target.type) ? target.type : [target.type];
    if (types.indexOf('array') >= 0) { return elementSchema(target.items || {}); }
    if (target.oneOf) {
      var other = target.oneOf.filter(function (s) { return s.type !== 'null'; });
      if (other.length === 1) { return elementSchema(other[0]); }
    }
    return target;
  }

  function fieldRows(tbody, schema, prefix, depth) {
    var parts = objectParts(schema);
    Object.keys(parts.properties).forEach(function (name) {
      var property = parts.properties[name];
      var row = el('tr');
      row.appendChild(el('td', 'path', prefix + name));
      row.appendChild(el('td', null, typeText(property)));
      row.appendChild(el('td', null, parts.required.indexOf(name) >= 0 ? '必須' : '任意'));
      row.appendChild(el('td', null, describe(property)));
      tbody.appendChild(row);
      var inner = elementSchema(property);
      if (depth < 4 && inner.properties) {
        var isArray = typeText(property).indexOf('[]') >= 0;
        fieldRows(tbody, inner, prefix + name + (isArray ? '[].' : '.'), depth + 1);
      }
    });
  }

  function fieldTable(schema) {
    var table = el('table');
    var head = el('tr');
    ['項目 (field)', '型 (type)', '必須', '説明'].forEach(function (h) { head.appendChild(el('th', null, h)); });
    table.appendChild(head);
    var tbody = el('tbody');
    fieldRows(tbody, schema, '', 0);
    table.appendChild(tbody);
    return table;
  }

  function isPublic(operation) {
    var security = operation.security || doc.security || [];
    return security.length === 0 || security.some(function (req) { return Object.keys(req).length === 0; });
  }

  function renderOperation(method, path, operation) {
    var details = el('details');
    details.id = operation.operationId || (method + path);
    var summary = el('summary');
    summary.appendChild(el('span', 'method method-' + method, method));
    summary.appendChild(el('code', 'path', path));
    summary.appendChild(document.createTextNode(' ' + (operation.summary || '')));
    summary.appendChild(el('span', 'lock', isPublic(operation) ? '認証不要' : '要認証 (Bearer)'));
    details.appendChild(summary);
    if (operation.description) { details.appendChild(el('p', null, operation.description)); }
    details.appendChild(el('p', null, 'operationId: ' + (operation.operationId || '-')));

    var parameters = operation.parameters || [];
    if (parameters.length) {
      details.appendChild(el('h4', null, 'パラメータ (parameters)'));
      var table = el('table');
      var head = el('tr');
      ['名前 (name)', '場所 (in)', '型 (type)', '必須', '説明'].forEach(function (h) { head.appendChild(el('th', null, h)); });
      table.appendChild(head);
      parameters.forEach(function (parameter) {
        var row = el('tr');
        row.appendChild(el('td', 'path', parameter.name));
        row.appendChild(el('td', null, parameter.in));
        row.appendChild(el('td', null, typeText(parameter.schema)));
        row.appendChild(el('td', null, parameter.required ? '必須' : '任意'));
        row.appendChild(el('td', null, parameter.description || ''));
        table.appendChild(row);
      });
      details.appendChild(table);
    }

    var body = operation.requestBody;
    if (body && body.content) {
      Object.keys(body.content).forEach(function (type) {
        var schema = body.content[type].schema || {};
        details.appendChild(el('h4', null, 'リクエスト本文 (request body): ' + type + ' ' + typeText(schema)));
        details.appendChild(fieldTable(schema));
      });
    }

    details.appendChild(el('h4', null, 'レスポンス (responses)'));
    var list = el('table');
    var responseHead = el('tr');
    ['ステータス', '説明', '本文 (body)'].forEach(function (h) { responseHead.appendChild(el('th', null, h)); });
    list.appendChild(responseHead);
    Object.keys(operation.responses || {}).forEach(function (code) {
      var response = operation.responses[code];
      var row = el('tr');
      row.appendChild(el('td', null, code));
      row.appendChild(el('td', null, response.description || ''));
      var content = response.content || {};
      row.appendChild(el('td', null, Object.keys(content).map(function (type) {
        return type + (content[type].schema ? ' ' + typeText(content[type].schema) : '');
      }).join(', ')));
      list.appendChild(row);
    });
    details.appendChild(list);

    var success = Object.keys(operation.responses || {}).filter(function (code) { return code.charAt(0) === '2'; });
    success.forEach(function (code) {
      var content = operation.responses[code].content || {};
      var json = content['application/json'];
      if (json && json.schema && objectParts(json.schema).properties && Object.keys(objectParts(json.schema).properties).length) {
        details.appendChild(el('h4', null, code + ' の本文の項目 (' + typeText(json.schema) + ')'));
        details.appendChild(fieldTable(json.schema));
      }
    });
    return details;
  }

  function render(document_) {
    doc = document_;
    main.removeChild(status);
    var groups = {};
    var order = (doc.tags || []).map(function (tag) { return tag.name; });
    Object.keys(doc.paths || {}).forEach(function (path) {
      var item = doc.paths[path];
      METHODS.forEach(function (method) {
        if (!item[method]) { return; }
        var tag = (item[method].tags || ['other'])[0];
        if (order.indexOf(tag) < 0) { order.push(tag); }
        (groups[tag] = groups[tag] || []).push([method, path, item[method]]);
      });
    });
    var descriptions = {};
    (doc.tags || []).forEach(function (tag) { descriptions[tag.name] = tag.description; });
    var intro = el('p', null, (doc.info && doc.info.title || '') + ' ' + (doc.info && doc.info.version || '') + ' (OpenAPI ' + doc.openapi + ')');
    main.appendChild(intro);
    order.forEach(function (tag) {
      if (!groups[tag]) { return; }
      var section = el('section');
      section.id = 'tag-' + tag;
      section.appendChild(el('h2', null, tag + (descriptions[tag] ? ' — ' + descriptions[tag] : '')));
      groups[tag].forEach(function (entry) { section.appendChild(renderOperation(entry[0], entry[1], entry[2])); });
      main.appendChild(section);
      var link = el('a', null, tag + ' (' + groups[tag].length + ')');
      link.href = '#tag-' + tag;
      toc.appendChild(link);
    });
  }

  fetch('/api/v1/openapi.json', { headers: { Accept: 'application/json' } })
    .then(function (response) {
      if (!response.ok) { throw new Error('HTTP ' + response.status); }
      return response.json();
    })
    .then(render)
    .catch(function (error) { status.textContent = '仕様を読み込めませんでした / could not load the document: ' + error.message; });
}());
