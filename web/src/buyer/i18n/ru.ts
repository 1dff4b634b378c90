import type { Messages } from './en';

/** Русские тексты страницы покупателя. */
export const ru: Messages = {
  'doc.title': 'Купить {payout} — Teller OTC',
  'brand.name': 'Teller OTC',
  'lang.label': 'Язык',
  'app.loading': 'Загрузка данных обменника…',
  'app.loadFailed': 'Обменник сейчас недоступен. Повторяем попытку автоматически…',

  'hero.title': 'Купить {payout}',
  'hero.lead':
    'Отправьте монеты на ваш личный адрес пополнения и автоматически получите {payout} по фиксированному курсу.',

  'banner.closed.title': 'Внебиржевой обмен сейчас закрыт',
  'banner.closed.text': 'Новые адреса пополнения сейчас не выдаются. Загляните позже.',
  'banner.soldOut.title': '{payout} распродан, загляните позже',
  'banner.soldOut.text': 'Пожалуйста, не отправляйте монеты сейчас: {payout} для выплаты не осталось.',
  'banner.noCoins.text': 'Сейчас не принимается ни одна монета для пополнения.',

  'step.rate': 'Выберите, чем платить',
  'step.address': 'Получите адрес пополнения',
  'step.track': 'Отправьте монеты и следите за статусом',

  'coin.label': 'Вы платите',
  'rate.label': 'Курс обмена',
  'fact.inventory': 'Доступно для покупки',
  'fact.confirmations': 'Требуется подтверждений',
  'fact.limit': 'Адресов пополнения на адрес получения',
  'fact.limit.unlimited': 'Без ограничений',
  'fact.precision': 'Точность выплаты',
  'fact.precision.value': 'знаков после запятой: {n}',
  'fact.minVolume': 'Минимальное пополнение',
  'fact.unknown': '—',

  'calc.label': 'Вы отправляете',
  'calc.result': 'Вы получите',
  'calc.invalid': 'Введите сумму, например 0,01',
  'calc.note': 'Выплата округляется вниз до {n} знаков после запятой.',

  'address.label': 'Ваш адрес получения {payout}',
  'address.placeholder.sky': 'Адрес Skycoin, например 2VZu3rZozQ6nN…',
  'address.placeholder.evm': 'Адрес 0x…',
  'address.hint': 'Сюда будут отправлены ваши {payout}. Проверьте адрес: выплату нельзя отменить.',
  'address.error.empty': 'Введите ваш адрес {payout}.',
  'address.error.base58_character': 'Адрес содержит недопустимый символ (0, O, I и l не используются).',
  'address.error.base58_string': 'Это недействительный адрес.',
  'address.error.length': 'Неверная длина адреса. Проверьте, что он скопирован полностью.',
  'address.error.version': 'Это не адрес {payout} (неверная версия). Возможно, вы вставили адрес Bitcoin?',
  'address.error.checksum': 'Контрольная сумма адреса не совпадает. Проверьте его на опечатки.',
  'address.error.evm_format':
    'Введите адрес, начинающийся с 0x, за которым следуют 40 шестнадцатеричных символов.',

  'how.title': 'Как это работает',
  'how.1': 'Введите ваш адрес {payout} и получите адрес пополнения {coin}.',
  'how.2': 'Отправьте {coin} на этот адрес из вашего кошелька.',
  'how.3': 'После подтверждения пополнения {payout} будут отправлены вам автоматически.',
  'how.note':
    'Отправляйте из кошелька, которым вы управляете, а не напрямую с биржи: выводы с бирж могут прийти с опозданием или в меньшей сумме.',

  'bind.button': 'Получить адрес для {coin}',
  'bind.busy': 'Запрос…',
  'bind.disabled': 'Адреса пополнения сейчас недоступны.',
  'status.button': 'Проверить статус',
  'error.bind': 'Не удалось получить адрес пополнения:',
  'error.status': 'Не удалось загрузить статус:',
  'error.network': 'Сервер недоступен. Проверьте подключение и повторите попытку.',
  'error.server': 'Ошибка сервера {code}.',

  'deposit.title': 'Ваш адрес пополнения {coin}',
  'deposit.send': 'Отправьте {coin} на этот адрес.',
  'deposit.after':
    'Когда число подтверждений достигнет {n}, вы получите {payout} по курсу 1 {coin} = {rate} {payout} на адрес {address}.',
  'deposit.afterNoConf':
    'Как только пополнение будет замечено, вы получите {payout} по курсу 1 {coin} = {rate} {payout} на адрес {address}.',
  'deposit.new': 'Каждый запрос выдаёт новый адрес; все они привязаны к вашему адресу получения.',
  'deposit.qr': 'QR-код адреса пополнения',
  'deposit.copy': 'Копировать адрес',
  'deposit.copied': 'Скопировано',
  'deposit.copyManual': 'Нажмите Ctrl+C, чтобы скопировать',

  'status.title': 'Статус пополнения',
  'status.for': 'Адрес получения: {address}',
  'status.live': 'Обновляется каждые несколько секунд',
  'status.paused': 'Обновление приостановлено, пока вкладка скрыта',
  'status.empty':
    'Пополнений пока нет. Отправьте монеты на адрес пополнения — они появятся здесь автоматически.',
  'status.updated': 'Обновлено {time}',
  'status.deposit': 'Пополнение',
  'status.depositAddress': 'Адрес пополнения',
  'status.confirmations': 'Подтверждения',
  'status.confirmations.value': '{n} из {total}',
  'status.payout': 'Вы получите',
  'status.payoutPending': 'Ожидается — появится после отправки выплаты',
  'status.txid': 'Транзакция выплаты',
  'status.error': 'Проблема',
  'status.errorHelp':
    'Это пополнение требует внимания оператора. Свяжитесь с поддержкой и укажите ваш адрес получения.',

  'state.waiting_deposit': 'Ожидание пополнения',
  'state.waiting_decide': 'Пополнение получено',
  'state.waiting_send': 'Выплата в очереди',
  'state.waiting_confirm': 'Выплата отправлена',
  'state.waiting_passthrough': 'Покупка {payout}',
  'state.waiting_passthrough_order_complete': 'Завершение покупки',
  'state.done': 'Завершено',
  'state.error': 'Требует внимания',
  'state.unknown': 'Обработка',

  'msg.waiting_deposit': 'Ожидаем ваше пополнение {coin}.',
  'msg.waiting_decide': 'Пополнение {coin} подтверждено. Обрабатываем его.',
  'msg.waiting_send': 'Пополнение {coin} подтверждено. Выплата {payout} поставлена в очередь.',
  'msg.waiting_confirm': '{payout} отправлены. Ожидаем подтверждения транзакции.',
  'msg.waiting_passthrough': 'Покупаем {payout} на бирже для вашего пополнения.',
  'msg.waiting_passthrough_order_complete': 'Ордер на бирже размещён; ожидаем его исполнения.',
  'msg.done': 'Завершено. Проверьте ваш кошелёк {payout}.',
  'msg.unknown': 'Ваше пополнение обрабатывается.',

  'footer.text':
    'Курс устанавливает оператор; он применяется при подтверждении вашего пополнения. Не закрывайте страницу, чтобы следить за пополнением в реальном времени.',
};
